"""Tokens and sentences of statute and answer text, for English, Japanese, Chinese and Korean, with no downloads.

Tokens (BM25). English: lowercase words, stopwords dropped, light suffix stemming ("penalties" ->
"penalti", "fines" -> "fine"). Numbers and article numbers are kept ("99", "22757.2").
CJK runs (kanji/kana): character bigrams plus single kanji; bigrams made only of hiragana
are dropped (particles and verb endings: "ない", "する"). Hangul runs: bigrams, plus the
run itself when short. Bigrams were chosen over janome: they need no dictionary, treat
question and statute text the same way, and catch compound terms (副本部長 -> 副本, 本部, 部長).

Content terms (``content_terms``): the same words as a set, cut to six characters, that question and
provision sentences are matched by (rag/understand/lexicon.py ``terms``) and answer sentences are checked
against their passages by (rag/verify/claims.py ``content_units``); each caller brings its own stopwords.

Sentences: one splitter (``sentence_spans``) for statute bodies, questions and answer text; see
``sentence_spans`` for the one option that tells answer text from a statute.
"""
from __future__ import annotations

import re

_LATIN = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶー]+")
_HANGUL = re.compile(r"[\uac00-\ud7af]+")
HIRAGANA_ONLY_RE = re.compile(r"^[\u3040-\u309f]+$")  # kana-only pairs are grammar, not content
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")

_STOPWORDS_TEXT = """
a an the and or but of to in on at by for with from as into about over under than that this these those it its
is are was were be been being has have had do does did can could may might shall should will would not no nor
any all each every some such other more most also only if so which who whom whose what when where why how while
we you they their there i me my us our your his her them one same very much many per thereof therein hereby
s etc e.g i.e via upon within without between whether
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_SUFFIXES = (("ational", "ate"), ("ization", "ize"), ("isation", "ize"), ("ations", "ate"), ("ation", "ate"),
             ("ies", "i"), ("ied", "i"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("y", "i"))


def stem(word: str) -> str:
    """A light, deterministic stemmer: enough to join plural/verb forms of legal English."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suf, rep in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            if suf == "s" and word.endswith(("ss", "us", "is")):
                break
            if suf == "es" and not word.endswith(("ches", "shes", "sses", "xes", "zes")):
                continue
            word = word[: len(word) - len(suf)] + rep
            if suf in ("ed", "ing") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "saeiou":
                word = word[:-1]  # "labelled" -> "label", "committed" -> "commit"
            break
    # A final "e" goes too, so "require", "requires" and "required" meet at "requir".
    return word[:-1] if len(word) >= 4 and word.endswith("e") and not word.endswith("ee") else word


def latin_tokens(text: str) -> list[str]:
    low = re.sub(r"['’]s\b", "", text.lower())
    out = []
    for w in _LATIN.findall(low):
        w = w.strip(".-")
        if not w or w in STOPWORDS:
            continue
        out.append(stem(w) if w.isalpha() else w)
    return out


def cjk_tokens(run: str) -> list[str]:
    out = [ch for ch in run if _KANJI.match(ch)]
    out += [run[i:i + 2] for i in range(len(run) - 1) if not HIRAGANA_ONLY_RE.match(run[i:i + 2])]
    if len(run) == 1 and not out:
        out.append(run)
    return out


def hangul_tokens(run: str) -> list[str]:
    out = [run[i:i + 2] for i in range(len(run) - 1)]
    if 2 <= len(run) <= 4:
        out.append(run)
    return out


def tokenize(text: str) -> list[str]:
    """BM25 terms of ``text`` in order (duplicates kept: BM25 counts term frequency)."""
    if not text:
        return []
    text = text.replace("\u3000", " ")
    # Full-width ASCII (ＡＩ, ２０２５) is common in Japanese statutes: fold it to ASCII.
    text = text.translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
    out = latin_tokens(text)
    for run in _CJK.findall(text):
        out += cjk_tokens(run)
    for run in _HANGUL.findall(text):
        out += hangul_tokens(run)
    return out


# Runs of CJK text that carry content: kanji and katakana (hiragana is grammar: particles, verb endings), and
# Hangul of two syllables or more.
CONTENT_CJK_RUN = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]+|[\uac00-\ud7af]{2,}")
_CONTENT_WORD = re.compile(r"[a-z0-9][a-z0-9\-']*[a-z0-9]|[a-z0-9]")


def content_terms(text: str, stopwords: frozenset[str] = STOPWORDS) -> set[str]:
    """The terms two texts are compared by, as a set: a question and the sentences that may answer it, an
    answer's sentence and the passage it cites. Latin words of three characters or more that are not
    ``stopwords``, stemmed (``stem``) and cut to six characters, so that "notify" meets "notification" and
    "fined" meets "fines"; "up to" joins the figure it bounds; CJK and Hangul runs as character bigrams, and a
    lone kanji as itself (a verb stem: 置く, 誰). BM25 counts ``tokenize``'s tokens instead."""
    low = re.sub(r"['’]s\b", "", text.lower())  # "Japan's" is "japan"
    low = low.replace("up to ", "upto ")  # "up to EUR 35 000 000": the maximum, as one term
    out = {(stem(w) if w.isalpha() else w)[:6] for w in _CONTENT_WORD.findall(low) if len(w) > 2 and w not in stopwords}
    for run in CONTENT_CJK_RUN.findall(text):
        if len(run) == 1:
            out.add(run)
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def detect_language(text: str) -> str:
    """ja when there is kana (or kanji without Hangul/simplified hints), ko for Hangul, zh for Han only."""
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _KANJI.search(text):
        # Han-only text: Chinese unless it uses Japanese-only forms or typical Japanese legal words.
        if re.search(r"[们这个说为对于时应该吗呢违规处罚规定]", text):
            return "zh"
        if re.search(r"[々〆]|条|法律第|罰則|個人情報|本部", text):
            return "ja"
        return "zh"
    return "en"


# Sentences. Both kinds of text are cut line by line (a line is a list item or a paragraph, never joined
# to the next), at a CJK full stop 。！？ or a Latin .!? that passes the rules of its kind of text.
# A statute (the default) and an answer keep separate rules because they differ in what follows a stop:
# - a statute: a Latin stop ends a sentence only when a space and then a capital, digit or opening quote
#   follow; "Art." and "No." (case-sensitive, any single capital) and the "1." / "(a)." numbering a
#   paragraph are no ends; a CJK stop inside brackets is no end, because Japanese definitions read
#   "（以下「本部長」という。）" in the middle of a sentence;
# - an answer (``answer=True``): the [n] markers after a stop belong to the sentence before it (a claim
#   and its citation stay together); a stop ends a sentence unless a lower-case word follows, it sits inside
#   a number ("1.5") or it closes a lower-cased abbreviation or single letter ("art.", "e.g."); an answer is
#   not laid out in bracketed definitions, so a CJK stop always ends.
MARKER_RE = re.compile(r"\[\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]")
ABBREV_RE = re.compile(
    r"(?:\b(?:Art|Arts|No|Nos|para|paras|p|pp|e\.g|i\.e|cf|vs|etc|Sec|Secs|Ch|Reg|Dir|Stats|Cal|Bus|Prof|Civ|Gov|"
    r"Pen|Ed|Elec|seq|et|al|approx|incl|Inc|Ltd|Co|Corp|Mr|Ms|Dr|St|U\.S|U\.K|[A-Z])\.)$")
_ANSWER_ABBREV = frozenset({"art", "arts", "no", "nos", "sec", "secs", "para", "paras", "p", "pp", "e.g", "i.e",
                            "cf", "vs", "etc", "ch", "reg", "dir", "approx", "incl", "u.s", "u.k", "mr", "ms", "dr",
                            "st", "op", "cit", "ibid", "fig"})
_LATIN_END = ".!?"
_CJK_END = "。！？"
_OPEN = "（「『【〔(["
_CLOSE = "）」』】〕)]"
# In an answer: the stop, the citation markers that belong to it, the space after them.
_ANSWER_END_RE = re.compile(r"([.!?。！？])((?:\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\])*)(\s*)")


def sentence_spans(text: str, *, answer: bool = False) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``, without their surrounding whitespace; lines are never
    joined. ``answer``: ``text`` is an answer's, with [n] markers (the rules above), not a statute's."""
    return [t for a, b in _segments(text, answer) if (t := _trimmed(text, a, b))]


def sentences(text: str, *, answer: bool = False) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text, answer=answer)]


def sentence_pieces(text: str, *, answer: bool = False) -> list[str]:
    """The sentences with the whitespace around them (``"".join`` gives ``text`` back): each sentence keeps
    the space after it, the first of a line the line's indent; a blank line is a piece of its own."""
    return [text[a:b] for a, b in _segments(text, answer)]


def _segments(text: str, answer: bool) -> list[tuple[int, int]]:
    """Spans that cut ``text`` into its sentences, whitespace included, line by line (the "\n" ends its line)."""
    ends_of = _answer_ends if answer else _statute_ends
    out: list[tuple[int, int]] = []
    pos = 0
    for line in re.split(r"(?<=\n)", text):
        start = 0
        for end in ends_of(line):
            out.append((pos + start, pos + end))
            start = end
        if start < len(line):
            out.append((pos + start, pos + len(line)))
        pos += len(line)
    return out


def _statute_ends(line: str) -> list[int]:
    """The offsets just after each sentence end of one line of a statute: a CJK full stop outside brackets,
    or a Latin one followed by a space that _ends_latin_sentence accepts."""
    ends: list[int] = []
    start, depth = 0, 0
    for i, ch in enumerate(line):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif (ch in _CJK_END and depth == 0) or (
                ch in _LATIN_END and i + 1 < len(line) and line[i + 1] == " " and _ends_latin_sentence(line, start, i)):
            ends.append(i + 1)
            start = i + 1
    return ends


def _ends_latin_sentence(line: str, start: int, i: int) -> bool:
    """Whether the full stop at ``line[i]`` ends the sentence begun at ``start``: a capital, digit or opening
    quote follows, and it is not the stop of "Art." or "No.", nor the "1." that numbers a paragraph."""
    before = line[start:i + 1].strip()
    nxt = line[i + 1:].lstrip()[:1]
    return bool(nxt and (nxt.isupper() or nxt.isdigit() or nxt in "“\"(‘'")
                and not ABBREV_RE.search(before) and not re.fullmatch(r"\(?\w{1,4}\)?\.", before))


def _answer_ends(line: str) -> list[int]:
    """The offsets just after each sentence end of one line of an answer, its markers and the space after
    them included."""
    ends: list[int] = []
    start = 0
    for m in _ANSWER_END_RE.finditer(line):
        punct, marks, space = m.groups()
        end = m.end()
        if punct == "." and not _ends_answer_sentence(line, start, m, bool(marks or space)):
            continue
        if end > start:
            ends.append(end)
            start = end
    return ends


def _ends_answer_sentence(line: str, start: int, m: re.Match, spaced: bool) -> bool:
    """Whether the full stop matched by ``m`` ends the answer sentence begun at ``start``."""
    end = m.end()
    if not spaced and end < len(line) and line[end].isascii() and line[end].isalnum():
        return False  # "1.5", "2024/1689.x"
    before = re.search(r"(\S+)$", line[start:m.start()])
    word = before.group(1).lower().lstrip("([") if before else ""
    if word in _ANSWER_ABBREV or (len(word) == 1 and word.isalpha()):
        return False
    return not (end < len(line) and line[end].islower())


def _trimmed(text: str, a: int, b: int) -> tuple[int, int] | None:
    """The span ``a:b`` of ``text`` without its leading and trailing whitespace; None when nothing is left."""
    seg = text[a:b]
    lead = len(seg) - len(seg.lstrip())
    trail = len(seg) - len(seg.rstrip())
    return (a + lead, b - trail) if b - trail > a + lead else None
