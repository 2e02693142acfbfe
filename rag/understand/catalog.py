"""The laws regqa knows by name, built from what is indexed.

Every indexed document's own metadata (title and its parts, short title, citation name, the
acronym of its name, its jurisdiction; for an upload, its first heading or the name the user
gave) makes the catalog (``LawCatalog.with_documents``), matched fuzzily by ``rag.understand.names``:
a law a user adds is found by its name with no alias written for it. Curated aliases in
rag/data/laws.toml (nicknames such as "Japan's AI law", other-language names) are optional
extra names; nothing depends on them. rag/data/jurisdictions.toml names the indexed
jurisdictions, their flags and the default law per topic; every other country and US state
comes from ISO 3166 (``pycountry``), so naming one that has nothing indexed is recognised.
A named law (``names.law_phrases``) that no indexed document matches is reported by
``find_not_indexed`` and declined by name.
"""
from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rag.core.settings import DEFAULT_SOURCES, PACKAGE_DATA
from rag.core.types import STATUTE_KINDS
from rag.understand.names import LAW_WORDS, Countries, NameIndex, law_phrases, name_variants, tokens

_DATA = PACKAGE_DATA
_SOURCES = DEFAULT_SOURCES
_CJK_RX = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
log = logging.getLogger(__name__)


@dataclass
class LawInfo:
    law_id: str
    title: str = ""
    short_name: str = ""
    citation_name: str = ""
    jurisdiction: str = ""
    aliases: list[str] = field(default_factory=list)
    official_url: str = ""
    topic: str = ""
    generic: list[str] = field(default_factory=list)  # aliases valid only when no other jurisdiction is named
    languages: list[str] = field(default_factory=list)
    kind: str = "law"  # "user" for a user's upload: never presented as official law
    indexed: bool = False  # some document of this law is in the index


@dataclass
class Match:
    key: str  # law_id, jurisdiction code or not-indexed law name
    start: int
    end: int
    generic: bool = False


def _squeeze(name: str) -> str:
    return re.sub(r"\s+", "", name)


def _pattern(name: str) -> str:
    """Latin names match as whole words; CJK/Hangul names anywhere (no spaces between words)."""
    esc = re.escape(name.strip()).replace(r"\ ", r"\s*")
    if re.match(r"[A-Za-z0-9]", name.strip()):
        esc = r"(?<![A-Za-z0-9])" + esc
    if re.search(r"[A-Za-z0-9.]$", name.strip()):
        esc = esc + r"(?![A-Za-z0-9])"
    return esc


class _Finder:
    """Names compiled once; ``find`` returns all non-overlapping matches, longest name first."""

    def __init__(self, names: dict[str, list[tuple[str, bool]]], case: set[str] | None = None):
        cands = sorted(((len(n), key, n, g) for key, lst in names.items() for n, g in lst if n.strip()),
                       key=lambda c: -c[0])
        self._rx = [(key, generic, re.compile(_pattern(n), 0 if case and n in case else re.I))
                    for _, key, n, generic in cands]

    def find(self, text: str) -> list[Match]:
        # Characters already inside a match, as a bitmap: comparing each match with every earlier one
        # made a long text with many names quadratic (a 4 MB question ran for minutes).
        taken = bytearray(len(text))
        out: list[Match] = []
        for key, generic, rx in self._rx:
            for m in rx.finditer(text):
                if any(taken[m.start():m.end()]):
                    continue
                taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
                out.append(Match(key, m.start(), m.end(), generic))
        out.sort(key=lambda m: m.start)
        return out


class LawCatalog:
    def __init__(self, laws: dict[str, LawInfo], jurisdictions: dict[str, dict], topics: dict[str, list[str]],
                 documents: list[dict] | None = None, shared: LawCatalog | None = None):
        self.laws = laws
        self.jurisdictions = jurisdictions
        self.topics = topics
        self._alias_names = {lid: [(a, False) for a in info.aliases] + [(g, True) for g in info.generic]
                             for lid, info in laws.items()}
        self._jur_names = {code: [(n, False) for n in j.get("names", [])] for code, j in jurisdictions.items()}
        if shared is not None and shared.jurisdictions is jurisdictions and shared.topics is topics \
                and shared._alias_names == self._alias_names:
            # The catalog of the indexed documents (with_documents) has the curated catalog's names: its
            # compiled finders are taken over, not compiled again (about 0.45 s of every fresh process).
            for attr in ("countries", "_other_countries", "_other_case", "_alias_finder", "_jur_finder",
                         "_other_rx", "_topic_finders"):
                setattr(self, attr, getattr(shared, attr))
        else:
            self._compile_finders()
        self._build_names(laws, topics, jurisdictions, documents)

    def _compile_finders(self) -> None:
        """The regexes of curated aliases, indexed jurisdictions, other countries and topic words."""
        jurisdictions, topics = self.jurisdictions, self.topics
        self.countries = Countries.load()
        # Names of other countries and US states, exact and case-sensitive ("Chad", "Georgia"): only those
        # that no indexed jurisdiction claims ("Korea" stays KR, not North Korea).
        claimed = {n.lower() for lst in self._jur_names.values() for n, _ in lst}
        self._other_countries = {code: [(n, False) for n in names if n.lower() not in claimed]
                                 for code, names in self.countries.names.items() if code not in jurisdictions}
        self._other_case = {n for lst in self._other_countries.values() for n, _ in lst}
        self._alias_finder = _Finder(self._alias_names)
        self._jur_finder = _Finder(self._jur_names, case={"US"})
        # one alternation for ~1,000 country names: compiled once, in milliseconds; a match is looked up by
        # its letters without spaces (_pattern lets "United  States" and "UnitedStates" match too)
        names = {n: code for code, lst in self._other_countries.items() for n, _ in lst}
        alts = "|".join(_pattern(n) for n in sorted(names, key=len, reverse=True))
        self._other_rx = (re.compile(f"(?:{alts})") if alts else None, {_squeeze(n): c for n, c in names.items()})
        self._topic_finders = {topic: _Finder({topic: [(w, False) for w in words]}) for topic, words in topics.items()}

    def _build_names(self, laws, topics, jurisdictions, documents) -> None:
        """The typo-tolerant name indexes: laws by their titles and aliases, jurisdictions by name."""
        self.names = NameIndex()
        for lid, info in laws.items():
            for n in name_variants(info.title, info.short_name, info.citation_name):
                self.names.add(lid, n)
        for d in documents or []:
            # an upload is also known by the name its user gave the file ("Korea AI Basic Act.txt" for a text
            # whose title line is "FRAMEWORK ACT ON THE DEVELOPMENT OF ARTIFICIAL INTELLIGENCE ...")
            given = _file_title(d.get("source_file", "")) if d.get("kind") == "user" else ""
            for n in name_variants(d.get("title", ""), d.get("short_name", ""), d.get("citation_name", "")) + (
                    name_variants(given) if given else []):
                self.names.add(d.get("law_id") or d["doc_id"], n)
        # Curated aliases get the same typo tolerance; generic ones ("AI Act") in an index of their own,
        # since they count only when no other jurisdiction is named.
        self._generic_names = NameIndex()
        for lid, info in laws.items():
            for a in info.aliases:
                self.names.add(lid, a)
            for g in info.generic:
                self._generic_names.add(lid, g)
        self._topic_words = {w for t in (tokens(x) for ws in topics.values() for x in ws) for w in t}
        self._country_words = {w for lst in [*self._jur_names.values(), *self._other_countries.values()]
                               for n, _ in lst for w in tokens(n)}
        self.names.common = frozenset(self._topic_words | self._country_words)
        self.names.build()
        self._generic_names.common = self.names.common
        self._generic_names.build()
        # Indexed jurisdictions by name with typos allowed ("calfornia"); short codes match exactly.
        self._jur_index = NameIndex(single_words=True)
        for code, j in jurisdictions.items():
            for n in j.get("names", []):
                if len(n) >= 6 or _CJK_RX.search(n):
                    self._jur_index.add(code, n)
        self._jur_index.build()

    @classmethod
    def load(cls, data_dir: Path | None = None, sources_file: Path | None = None) -> LawCatalog:
        """The curated catalog alone (no index): names from rag/data and the default source list."""
        return _load_cached(str(data_dir or _DATA), str(sources_file or _SOURCES))

    @classmethod
    def with_documents(cls, documents: list[dict], data_dir: Path | None = None,
                       sources_file: Path | None = None) -> LawCatalog:
        """The catalog of what is indexed: the curated data plus every registry record of ``documents``
        (a law no source list names, such as a user's upload, gets its entry from its own record)."""
        base = _load_cached(str(data_dir or _DATA), str(sources_file or _SOURCES))
        laws = {lid: LawInfo(**{**info.__dict__, "aliases": list(info.aliases), "generic": list(info.generic),
                                "languages": list(info.languages)}) for lid, info in base.laws.items()}
        order = {k: i for i, k in enumerate(STATUTE_KINDS)}
        for d in sorted(documents, key=lambda d: order.get(d.get("kind") or "law", 9)):
            lid = d.get("law_id") or d["doc_id"]
            info = laws.get(lid)
            if info is None:
                info = laws[lid] = LawInfo(law_id=lid, title=d.get("title", ""), short_name=d.get("short_name", ""),
                                           citation_name=d.get("citation_name", ""),
                                           jurisdiction=d.get("jurisdiction", ""), official_url=d.get("official_url", ""),
                                           kind=d.get("kind") or "law")
            info.indexed = True
            if d.get("language") and d["language"] not in info.languages:
                info.languages.append(d["language"])
        return cls(laws, base.jurisdictions, base.topics, documents=documents, shared=base)

    # -- lookups --
    def law(self, law_id: str) -> LawInfo:
        info = self.laws.get(law_id)
        if info is None:
            raise KeyError(f"unknown law_id {law_id!r}")
        return info

    def law_matches(self, text: str) -> list[Match]:
        return self._alias_finder.find(text)

    def find_laws(self, text: str) -> list[str]:
        """law_ids named in ``text``: by the names the indexed documents give themselves (typos allowed) or
        a curated alias (generic ones like "AI Act" only if no other jurisdiction is named)."""
        matches = self.law_matches(text)
        matches += [Match(m.key, -1, -1, True) for m in self._generic_names.match(text)]  # misspelt generic names
        jurs = set(self.find_jurisdictions(text))
        out: list[str] = []
        for m in matches:
            if m.generic and jurs and self.laws[m.key].jurisdiction not in jurs:
                continue
            if m.key not in out:
                out.append(m.key)
        for m in self.names.match(text, lenient=True):
            if not m.strict and self.laws.get(m.key, LawInfo(m.key)).kind != "user":
                continue  # a part of an official law's name is not its name ("the Protection Act")
            if m.key in self.laws and m.key not in out:
                log.debug("law %s named by %r", m.key, m.name)
                out.append(m.key)
        return out

    def jurisdiction_code(self, code: str, *, indexed_only: bool = False) -> str:
        """``code`` in its canonical case ("jp" -> "JP", "us-ca" -> "US-CA"); ValueError naming the known
        codes when it is none (an ISO 3166 country or US state is known; ``indexed_only``: only those
        with an indexed law, for filters that would otherwise silently answer nothing)."""
        c = (code or "").strip().upper()
        indexed = sorted({info.jurisdiction for info in self.laws.values() if info.indexed and info.jurisdiction})
        ok = c in indexed if indexed_only else (c in self.jurisdictions or c in self.countries.names or c in indexed)
        if not ok:
            known = indexed if indexed_only else sorted(self.jurisdictions)
            raise ValueError(f"unknown jurisdiction {code!r}; " + ("indexed" if indexed_only else "known")
                             + f": {', '.join(known)}" + ("" if indexed_only else " (or any ISO 3166 country code, "
                                                           "US states as US-XX)"))
        return c

    def strip_names(self, text: str, *, fuzzy: bool = True) -> str:
        """``text`` without the law names it contains (non-generic aliases and, with ``fuzzy``, the indexed
        documents' own names, typos included): "推進" of "AI推進法" is in every provision of that law, "GDRP" in none."""
        exact = [(m.start, m.end) for m in self.law_matches(text) if not m.generic]
        # a misspelt or document-derived name where no alias matched ("GDRP", a user's upload by its title)
        fuzzy = [(a, b) for a, b in self.names.spans(text) if not any(a < e and s < b for s, e in exact)] if fuzzy else []
        spans = sorted(exact + fuzzy)
        merged: list[list[int]] = []
        for a, b in spans:  # overlapping names ("Japan's AI Promotion Act" and "AI Promotion Act") cut once
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out = text
        for a, b in reversed(merged):
            out = out[:a] + " " + out[b:]
        return out if tokens(out) else text

    def strip_places(self, text: str) -> str:
        """``text`` without the names of jurisdictions ("Japan", "the EU", "カリフォルニア州")."""
        for m in sorted(self._jur_finder.find(text), key=lambda m: -m.start):
            text = text[:m.start] + " " + text[m.end:]
        return text

    def _member_of(self, code: str) -> str:
        """The indexed jurisdiction whose law applies in country ``code`` as a member (BE -> EU), or ""."""
        return next((j for j, info in self.jurisdictions.items() if code in (info.get("members") or [])), "")

    def find_jurisdictions(self, text: str) -> list[str]:
        """Indexed jurisdictions named in ``text`` (law names contain country words: "EU AI Act" names the EU),
        and the union whose law applies in a member state named ("a user in Belgium": EU)."""
        found = [(m.start, m.key) for m in self._jur_finder.find(text)]
        rx, by_name = self._other_rx
        found += [(m.start(), union) for m in (rx.finditer(text) if rx else [])
                  if (union := self._member_of(by_name.get(_squeeze(m.group(0)), "")))]
        # misspelt names ("calfornia"), in the order of the text
        found += [(10_000 + m.start, m.key) for m in self._jur_index.match(text)]
        out = []
        for _, key in sorted(found):
            if key not in out:
                out.append(key)
        return out

    def find_other_countries(self, text: str) -> list[str]:
        """Countries and US states named in ``text`` that no indexed document belongs to ("Brazil", "Texas")."""
        out = []
        rx, by_name = self._other_rx
        for m in rx.finditer(text) if rx else []:
            code = by_name.get(_squeeze(m.group(0)))
            if code and code not in out and not self._member_of(code):  # Belgium: EU law is indexed
                out.append(code)
        return out

    def _generic(self, phrase: str) -> bool:
        """"Japan's AI law", "the privacy law", "Brazil's AI bill": only country, topic and law words, so it names
        a kind of law, not one law (the country and topic decide which indexed law is meant, if any)."""
        # a compound is read by its parts: "the election-deepfake law" is an election law on deepfakes
        words = [p for w in tokens(phrase) for p in (w.split("-") if "-" in w and not any(c.isdigit() for c in w) else [w])
                 if p not in ("the", "of", "on", "and", "for", "s", "new", "national", "federal")]
        return all(w in LAW_WORDS or w in self._topic_words or w in self._country_words for w in words)

    def find_not_indexed(self, text: str) -> list[str]:
        """Names of laws in ``text`` that no indexed document (nor curated alias) matches, and countries named
        that have nothing indexed ("Brazil (nothing indexed)")."""
        out = []
        for phrase in dict.fromkeys(p for _, _, p in law_phrases(text)):  # each distinct name once
            if self._generic(phrase) or self.law_matches(phrase) or self.names.match(phrase):
                continue
            log.info("named law not in the index: %r", phrase)
            out.append(phrase)
        for code in self.find_other_countries(text):
            name = self.countries.display.get(code, code)
            if not any(name.lower() in o.lower() for o in out):
                out.append(name)
        if re.search(r"(?i)\b(?:US|U\.S\.|United States|American)\b.{0,40}\bfederal\b|\bfederal\b.{0,40}\b(?:US|U\.S\.|law)\b"
                     r"|\bCongress\b|連邦", text) and not any(c.startswith("US-") for c in self.find_jurisdictions(text)):
            out.append("US federal law")
        return out

    def find_topics(self, text: str) -> list[str]:
        out = []
        for topic, finder in self._topic_finders.items():
            if finder.find(text):
                out.append(topic)
        return out

    def default_laws(self, jurisdiction: str, topic: str) -> list[str]:
        """The law(s) meant when only the country and a topic are named ("Japan's AI law"): the curated default,
        unless other indexed statutes of the country name the topic in their own titles too (California has
        several AI statutes): then none, and the question searches every law of the country."""
        v = (self.jurisdictions.get(jurisdiction, {}).get("defaults") or {}).get(topic)
        curated = [v] if isinstance(v, str) else list(v or [])
        finder = self._topic_finders.get(topic)
        titled = [lid for lid in self.laws_in(jurisdiction) if finder and finder.find(
            " ".join(filter(None, (self.laws[lid].title, self.laws[lid].short_name, self.laws[lid].citation_name))))]
        if any(lid not in curated for lid in titled):
            log.info("%s has %d statutes on %s (%s): no default law, all of them searched", jurisdiction, len(titled),
                     topic, ", ".join(titled))
            return []
        return curated

    def implicit_jurisdiction(self, language: str) -> str | None:
        """The country a question in ``language`` is about when it names none (ja -> JP)."""
        return next((code for code, j in self.jurisdictions.items() if j.get("implicit_for_language") == language), None)

    def own_documents(self, text: str) -> list[str]:
        """The user's uploads, where ``text`` refers to the user's own rules without naming one ("our deletion
        policy", "my company's handbook", "the internal guidelines"): staff mean their documents, not a statute."""
        if not _OWN_RULES.search(text):
            return []
        return [lid for lid, info in self.laws.items() if info.kind == "user"]

    def laws_in(self, jurisdiction: str) -> list[str]:
        """The statutes of a jurisdiction: no news page, no user upload."""
        return [lid for lid, info in self.laws.items() if info.jurisdiction == jurisdiction and info.topic != "news"
                and info.kind not in ("user", "news")]

    def flag(self, jurisdiction: str) -> str:
        return self.jurisdictions.get(jurisdiction, {}).get("flag", "")

    def jurisdiction_name(self, jurisdiction: str) -> str:
        names = self.jurisdictions.get(jurisdiction, {}).get("names") or [jurisdiction]
        return names[0]


# First person (or "internal") and a word for a document of rules, up to three words apart.
_OWN_RULES = re.compile(r"(?i)\b(?:our|my|the company'?s|internal)\s+(?:[\w'’-]+\s+){0,3}?(?:polic(?:y|ies)|standards?|"
                        r"handbooks?|guidelines?|procedures?|rules|rulebook|code of conduct|manuals?|playbooks?)\b")


def _file_title(source_file: str) -> str:
    """A file's name as words ("korea_ai-basic-act.v2.txt" -> "korea ai basic act v2"); "" for a name of fewer
    than two words (a file called "upload.pdf" or "scan01.txt" names nothing)."""
    words = re.sub(r"[_\-.\s]+", " ", Path(source_file).stem).strip()
    return words if len(words.split()) >= 2 else ""


@lru_cache(maxsize=4)
def _load_cached(data_dir: str, sources_file: str) -> LawCatalog:
    d = Path(data_dir)
    laws_raw = tomllib.loads((d / "laws.toml").read_text(encoding="utf-8"))
    jur_raw = tomllib.loads((d / "jurisdictions.toml").read_text(encoding="utf-8"))
    topics = jur_raw.pop("topics", {})
    sources: list[dict] = []
    if Path(sources_file).is_file():
        sources = tomllib.loads(Path(sources_file).read_text(encoding="utf-8")).get("source", [])
    laws: dict[str, LawInfo] = {}
    for lid, entry in laws_raw.get("laws", {}).items():
        laws[lid] = LawInfo(law_id=lid, jurisdiction=entry.get("jurisdiction", ""), aliases=list(entry.get("aliases", [])),
                            topic=entry.get("topic", ""), generic=list(entry.get("generic", [])))
    # Titles etc. from the source list: the original-language statute first, then translations.
    order = {k: i for i, k in enumerate(STATUTE_KINDS)}
    for src in sorted(sources, key=lambda s: order.get(s.get("kind", "law"), 9)):
        lid = src.get("law_id") or src.get("doc_id")
        info = laws.setdefault(lid, LawInfo(law_id=lid, jurisdiction=src.get("jurisdiction", "")))
        if src.get("language") and src["language"] not in info.languages:
            info.languages.append(src["language"])
        for attr in ("title", "short_name", "citation_name", "official_url", "jurisdiction"):
            if not getattr(info, attr) and src.get(attr):
                setattr(info, attr, src[attr])
        sn = src.get("short_name") or ""
        if sn and sn not in info.aliases and sn not in info.generic and "(" not in sn and info.topic != "news":
            info.aliases.append(sn)
    return LawCatalog(laws, jur_raw, topics)
