"""Finding laws and countries by the names people use, without lists fitted to questions.

Three general mechanisms, each working for a law nobody wrote an alias for (a user's upload,
a newly added statute):

- ``NameIndex``: every name variant of every indexed law, derived from its own metadata
  (title, short title, citation name, the parts of a bilingual title, the acronym of a
  multi-word title), matched as an ordered token sequence with small gaps ("Korea's AI Basic
  Act" finds a document titled "korea ai basic act") and with typo tolerance per token
  (optimal string alignment distance, scaled by length: "GDRP", "headqarters", "calfornia").
- ``law_phrases``: the spans of a question that name *some* law ("the Online Safety Act",
  "SB 1047", "不正アクセス禁止法"), so that a named law that no indexed document matches is
  declined by name instead of answered from another law.
- ``Countries``: every country and US state (ISO 3166 via ``pycountry``, with its Japanese,
  Korean and Chinese names), so "Brazil" or "Texas" is recognised as a jurisdiction even though
  nothing of it is indexed.
"""
from __future__ import annotations

import contextlib
import gettext
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz.distance import OSA

log = logging.getLogger(__name__)

# Words that say "this is a law" in a name; alone or with only country/topic words they name no law.
LAW_WORDS = frozenset(["act", "acts", "law", "laws", "bill", "bills", "code", "regulation", "regulations", "directive", "decree", "ordinance", "order", "measures", "provisions", "rules", "statute", "statutes", "framework", "guidelines", "treaty", "convention"])
# Function words inside law names ("Act on the Protection of Personal Information"): never distinctive.
_GLUE = frozenset(["the", "of", "on", "and", "for", "to", "in", "a", "an", "s", "its", "their", "de", "la", "du", "des"])
_TOKEN = re.compile(r"[a-z0-9]+(?:[./-][a-z0-9]+)*|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+|[\uac00-\ud7af]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def fold(text: str) -> str:
    """Case, width and accent folded text (ＡＩ -> ai, é -> e)."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("’", "'")
    # accents off Latin letters only: NFKD would also take Hangul syllables apart into jamo
    return "".join(ch if ord(ch) > 0x24F else "".join(c for c in unicodedata.normalize("NFKD", ch)
                                                       if not unicodedata.combining(c)) for ch in text)


def tokens(text: str) -> list[str]:
    """Folded word tokens of a name or question ("Korea's" -> "korea", "2024/1689" kept whole)."""
    return [t for t in _TOKEN.findall(fold(text).replace("'s ", " ").replace("'s", "")) if t]


def typo_close(a: str, b: str) -> bool:
    """Same word up to a typo: exact below 4 letters; one edit (or a swap) up to 8; two above."""
    if a == b:
        return True
    if _CJK.search(a) or _CJK.search(b) or a.isdigit() or b.isdigit():
        return False
    n = min(len(a), len(b))
    if n < 4:
        return False
    if n <= 5:  # short words and acronyms: only a swap ("GDRP"); one changed letter is another word ("PIPA", "PIPL")
        return sorted(a) == sorted(b) and OSA.distance(a, b) == 1
    return OSA.distance(a, b) <= (1 if n <= 8 else 2)


# Words that end the name of a document a user may upload ("Acceptable Use Policy", "Ruritania decree").
DOC_WORDS = LAW_WORDS | frozenset(["policy", "policies", "standard", "standards", "procedure", "handbook", "manual", "charter", "guideline"])


@dataclass
class NameMatch:
    key: str  # law_id
    name: str  # the name variant that matched
    start: int  # token positions in the question
    end: int
    score: float  # share of the name's distinctive weight found, 0..1
    strict: bool = True  # every word of the name, in order; False: a distinctive part of it plus its document word


@dataclass
class NameIndex:
    """Name variants per key (law_id), with token weights learnt from the names themselves: a token
    shared by many laws' names ("act", "ai", "protection") weighs less than one only this law has."""

    names: dict[str, list[str]] = field(default_factory=dict)
    common: frozenset = frozenset()  # words that never make a partial name distinctive (topic and country words)
    single_words: bool = False  # one-word Latin names count (jurisdiction names), not only acronyms
    _tok: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict)
    _idf: dict[str, float] = field(default_factory=dict)
    _by_initial: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, name: str) -> None:
        name = (name or "").strip()
        if name and name not in self.names.setdefault(key, []):
            self.names[key].append(name)

    def build(self) -> NameIndex:
        df: dict[str, int] = {}
        for key, names in self.names.items():
            toks = [(n, tokens(n)) for n in names]
            # A one-word Latin law name counts only as an acronym or a number ("GDPR", "2024/1689"): a document
            # titled "Policy" must not be what every question about a policy names.
            self._tok[key] = [(n, t) for n, t in toks if t and (self.single_words
                              or len([x for x in t if x not in _GLUE]) > 1
                              or _CJK.search(n) or re.fullmatch(r"[A-Z0-9][A-Z0-9./-]{2,}", n.strip()))]
            for tok in {x for _, ts in toks for x in ts}:
                df[tok] = df.get(tok, 0) + 1
        n = max(1, len(self.names))
        self._idf = {tok: math.log(1 + n / c) for tok, c in df.items()}
        self._by_initial = {}
        for tok in self._idf:
            self._by_initial.setdefault(tok[0], []).append(tok)
        return self

    def weight(self, tok: str) -> float:
        if tok in _GLUE:
            return 0.0
        w = self._idf.get(tok, math.log(1 + max(1, len(self.names))))
        return w * (0.3 if tok in LAW_WORDS else 1.0)

    def match(self, text: str, lenient: bool = False) -> list[NameMatch]:
        """Names found in ``text``, best per key, longest first. Strict: every content word of the name in
        order (glue words optional, one other word in between allowed). ``lenient`` also accepts a run of
        the name's words that holds a distinctive word and the name's document word ("the Ruritania
        decree", "our Acceptable Use Policy") for names a user gave their own documents."""
        q = tokens(text)
        if not q:
            return []
        joined = "".join(q)
        # Which vocabulary words each question word may stand for (typos): once per distinct word, against
        # the words of the same first letter only, so a long pasted text costs time linear in its length.
        memo: dict[str, set[str]] = {}
        close: list[set[str]] = []
        for tok in q:
            if tok not in memo:
                s = {tok} if tok in self._idf else set()
                if len(tok) >= 4 and not _CJK.search(tok):
                    s |= {v for v in self._by_initial.get(tok[0], ()) if abs(len(v) - len(tok)) <= 2
                          and typo_close(tok, v)}
                memo[tok] = s
            close.append(memo[tok])
        pos_of: dict[str, list[int]] = {}  # vocabulary word -> question positions that may stand for it
        for i, s in enumerate(close):
            for v in s:
                pos_of.setdefault(v, []).append(i)
        best: dict[str, NameMatch] = {}
        for key, variants in self._tok.items():
            for name, nt in variants:
                m = self._strict(q, close, joined, nt, pos_of) or (self._partial(q, close, nt, pos_of) if lenient else None)
                if m is None:
                    continue
                m = NameMatch(key, name, *m)
                old = best.get(key)
                if old is None or (m.strict, m.score, m.end - m.start) > (old.strict, old.score, old.end - old.start):
                    best[key] = m
        ranked = sorted(best.values(), key=lambda m: (not m.strict, -(m.end - m.start) * m.score, m.start))
        # A name inside a longer one that matched ("GDPR" in "UK GDPR") is not named by itself.
        out: list[NameMatch] = []
        for m in ranked:
            if m.end > m.start and any(o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start)
                                       for o in out):
                continue
            out.append(m)
        return out

    def spans(self, text: str, lenient: bool = False) -> list[tuple[int, int]]:
        """Character spans of the names ``match`` finds (for removing them from a query)."""
        offs = [(m.start(), m.end()) for m in _TOKEN.finditer(fold(text).replace("'s", "  "))]
        if len(fold(text)) != len(text):
            return []
        return [(offs[m.start][0], offs[m.end - 1][1]) for m in self.match(text, lenient) if m.end > m.start]

    def _strict(self, q, close, joined, nt, pos_of):
        content = [x for x in nt if x not in _GLUE]
        if not content:
            return None
        if len(content) == 1 and _CJK.search(content[0]):
            # A CJK name is one token; it may sit inside a longer CJK run of the question (no spaces).
            return (0, 0, 1.0, True) if len(content[0]) >= 2 and content[0] in joined else None
        for i in pos_of.get(content[0], ()):
            pos, j = i, 1
            while j < len(content) and pos + 1 < len(q):
                if content[j] in close[pos + 1]:
                    pos, j = pos + 1, j + 1
                elif q[pos + 1] in _GLUE:  # "Act on (the) Protection of Personal Information"
                    pos += 1
                else:  # no other word in between: "Responsible AI Governance Act" is not "AI Act"
                    break
            if j == len(content):  # every content word ("EU AI Liability Directive" is not "EU AI Act")
                return (i, pos + 1, 1.0, True)
        return None

    def _partial(self, q, close, nt, pos_of):
        content = [x for x in nt if x not in _GLUE]
        docs = [x for x in content if x in DOC_WORDS]
        if len(content) < 2 or not docs:
            return None
        total = sum(self.weight(x) for x in content) or 1.0
        best = None
        for i in sorted({p for x in content for p in pos_of.get(x, ())}):
            # a run of question words, each one of the name's words in the name's order, ending on a document word
            j0 = next((k for k, x in enumerate(content) if x in close[i]), None)
            if j0 is None:
                continue
            pos, j, got, words = i, j0, self.weight(content[j0]), [content[j0]]
            while pos + 1 < len(q):
                nxt = next((k for k in range(j + 1, len(content)) if content[k] in close[pos + 1]), None)
                if nxt is None:
                    break
                pos, j = pos + 1, nxt
                got += self.weight(content[j])
                words.append(content[j])
            if words[-1] not in DOC_WORDS or len(words) < 2:
                continue
            if not any(w not in DOC_WORDS and w not in self.common and self.weight(w) > 0 for w in words):
                continue
            score = got / total
            if best is None or score > best[2]:
                best = (i, pos + 1, score, False)
        return best


def acronym(name: str) -> str:
    """"General Data Protection Regulation" -> "GDPR"; "" for names of fewer than three words."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]*", name) if w.lower() not in _GLUE]
    if len(words) < 3 or not all(w[0].isupper() for w in words):
        return ""
    return "".join(w[0] for w in words)


def name_variants(title: str, short_name: str = "", citation_name: str = "") -> list[str]:
    """The names a law goes by, from its own metadata: the title and its parts (bilingual titles
    "X / Y", "X — English translation", "X (Act No. 53 of 2025)"), short and citation names, and
    the acronym of a multi-word English name."""
    out: list[str] = []

    def add(n: str) -> None:
        n = re.sub(r"\s+", " ", n or "").strip(" ,;:-—")
        if len(n) >= 2 and n not in out:
            out.append(n)

    for n in (short_name, citation_name):
        add(n)
    for part in re.split(r"\s+/\s+|\s+—\s+", title or ""):
        add(part)
        inner = re.findall(r"[(（]([^()（）]{3,80})[)）]", part)
        for i in inner:
            for piece in re.split(r"\s*[,;]\s*", i):
                add(piece)
        add(re.sub(r"\s*[(（][^()（）]*[)）]", "", part))
    for n in list(out):
        if (a := acronym(n)) and len(a) >= 3:
            add(a)
    return [n for n in out if re.search(r"[^\W\d_]", n) and not re.fullmatch(r"(?i)(\w+ et al\.?|english( translation)?|"
                                                                       r"rendered markdown.*|official.*|per-article.*)", n)]


# -- law-name phrases in a question -----------------------------------------------------------

_CAP = r"[A-Z][\w'’.&-]*"
_LINK = r"(?:of|on|the|and|for|to|in|de|'s|’s)"
_EN_NAMED = re.compile(rf"\b((?:{_CAP}\s+(?:{_LINK}\s+)*){{0,7}}(?:Act|Law|Bill|Code|Regulation|Directive|Decree|Ordinance|"
                       rf"Order|Measures|Provisions|Rules|Framework|Guidelines|Statute)\b(?:\s+(?:of\s+)?(?:\d{{4}})\b)?"
                       rf"(?:\s+(?:on|of|for)\s+(?:the\s+)?(?:{_CAP}\s*){{1,6}})?)")
_EN_NUMBERED = re.compile(r"\b((?:SB|AB|HB|H\.?R\.?|S\.|LB|PL|EO|Local Law|Public Law|Act No\.?)\s*\d[\w./-]*(?:\s+of\s+\d{4})?|"
                          r"(?:Regulation|Directive|Decision)\s*(?:\((?:EU|EC|EEC)\)\s*)?(?:No\.?\s*)?\d{2,4}/\d+(?:/(?:EU|EC|EEC))?)",
                          re.I)
_LOW_NAMED = re.compile(r"\b((?:[a-z][a-z-]+\s+){1,4}(?:act|law|bill|directive|regulation|decree))\b")
_CJK_NAMED = re.compile(r"([\u30a0-\u30ff\u3400-\u9fffA-Za-zＡ-Ｚａ-ｚ0-9・]{2,30}?(?:法律|法|条例|規則|法案|指令|규칙|법률|법|条例|办法|规定))")
_LOW_STOP = frozenset(["what", "which", "how", "does", "do", "did", "is", "are", "was", "were", "the", "a", "an", "any", "this", "that", "these", "those", "their", "our", "your", "my", "his", "her", "its", "under", "by", "from", "with", "about", "into", "per", "new", "old", "existing", "current", "proposed", "draft", "such", "same", "other", "each", "every", "all", "no", "some", "apply", "applies", "say", "says", "said", "mean", "means", "require", "requires", "cover", "covers", "there", "here", "when", "why", "who", "whom", "tell", "me", "us", "we", "you", "they", "it", "violate", "violates", "violating", "breach", "breaches", "comply", "complies"])
# Words that say which version or what role a law has, not which law it is: a lowercase phrase made only of
# them and a law word ("the amended law", "the implementing act", "the 2025 special-session bill") refers to a
# law named elsewhere in the question (or in the conversation) and is never reported as a law not indexed.
_DESCRIBING = frozenset(["amending", "amended", "amendment", "amendatory", "implementing", "delegated", "repealed",
                         "repealing", "revised", "consolidated", "original", "originating", "earlier", "later",
                         "previous", "prior", "latest", "recent", "subsequent", "replacement", "successor",
                         "predecessor", "underlying", "parent", "special-session", "special", "session", "follow-up",
                         "first", "second", "third", "final", "enacted", "adopted", "signed", "related", "relevant",
                         "applicable", "corresponding", "governing", "whole", "entire", "rewritten", "replaced",
                         "replacing", "superseded", "transposing", "newer", "older", "2nd", "1st"])
_GENERIC_CJK = frozenset(["法", "法律", "条例", "規則", "法案", "法令", "本法", "同法", "この法", "その法", "当該法", "관련법", "법", "법률", "该法", "本法律"])


def law_phrases(text: str) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of spans that name a law, in order; overlapping spans keep the longest."""
    found: list[tuple[int, int, str]] = []
    for rx in (_EN_NUMBERED, _EN_NAMED):
        for m in rx.finditer(text):
            s, phrase = m.start(1), m.group(1)
            # "Does the UK Online Safety Act": a capitalised question word and articles are not part of the name
            while (lead := re.match(r"(\S+)\s+", phrase)) and (lead.group(1).lower() in _LOW_STOP
                                                              or lead.group(1).lower() in _GLUE):
                s, phrase = s + lead.end(), phrase[lead.end():]
            if phrase.strip():
                found.append((s, m.end(1), phrase.strip()))
    for m in _LOW_NAMED.finditer(text):
        words = m.group(1).split()
        # the name begins after the last question or function word ("dates did the amended law" -> "amended law")
        cut = max((i + 1 for i, w in enumerate(words) if w in _LOW_STOP), default=0)
        words = words[cut:]
        if all(w in _DESCRIBING for w in words[:-1]):
            continue  # "the amending regulation", "the special-session bill": a law's role or version, no name
        if len(words) >= 2:
            s = m.end(1) - len(" ".join(words))
            found.append((s, m.end(1), text[s:m.end(1)]))
    for m in _CJK_NAMED.finditer(text):
        phrase = m.group(1)
        phrase = re.sub(r"^(?:日本の|韓国の|中国の|の|は|が|を|で|に|と)+", "", phrase)
        if phrase not in _GENERIC_CJK and len(phrase) >= 3:
            found.append((m.end(1) - len(phrase), m.end(1), phrase))
    found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    out: list[tuple[int, int, str]] = []
    for s, e, p in found:
        if out and s < out[-1][1]:
            if e - s > out[-1][1] - out[-1][0]:
                out[-1] = (s, e, p)
            continue
        out.append((s, e, p))
    return out


# -- countries and US states ------------------------------------------------------------------

@dataclass
class Countries:
    """Jurisdiction code -> names, for every country (ISO 3166-1, GB as "UK") and US state
    ("US-TX"), in English and, where pycountry has them, Japanese, Korean and Chinese."""

    names: dict[str, list[str]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)

    @classmethod
    @cache
    def load(cls) -> Countries:
        out = cls()
        try:
            import pycountry
        except ImportError:  # the indexed jurisdictions still work from jurisdictions.toml
            log.warning("pycountry is not installed: countries that are not indexed are not recognised")
            return out
        tr = {}
        for lang in ("ja", "ko", "zh_CN"):
            with contextlib.suppress(OSError):
                tr[lang] = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for c in pycountry.countries:
            code = "UK" if c.alpha_2 == "GB" else c.alpha_2
            names = [c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")]
            names += [re.sub(r",.*$", "", n) for n in names if n and "," in n]  # "Korea, Republic of" -> "Korea"
            for t in tr.values():
                local = t.gettext(c.name)
                if local != c.name:
                    names += [local, re.sub(r"\s*[(（].*$", "", local)]
            out.names[code] = [n for n in dict.fromkeys(names) if n and len(n) >= 2]
            out.display[code] = getattr(c, "common_name", "") or c.name
        for s in pycountry.subdivisions.get(country_code="US") or []:
            if s.type == "State" or s.code in ("US-DC",):
                out.names[s.code] = [s.name]
                out.display[s.code] = s.name
        return out
