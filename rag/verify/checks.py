"""Check an LLM answer sentence by sentence against the passages it cites.

An LLM may invent facts, cite a passage that was never retrieved, change a
number, mix jurisdictions or obey instructions hidden in a document. Every
sentence of the generated text must therefore:

1. cite at least one [n] that names a retrieved passage (markers for other
   numbers are removed);
2. be supported by the passages it cites: most of its content words (CJK:
   character bigrams) occur in them, and every number it states occurs there;
3. not rest only on instruction-like text inside a passage (rag/data/injection.toml),
   and not itself contain such text;
4. not name only jurisdictions other than those of the passages it cites;
5. not present as the law what only a user's upload says: a sentence that names a
   jurisdiction or a law ("Under Japan's AI Act ...") but cites only uploads is
   flagged when official texts are among the passages.

Sentences that fail are removed from the text and reported with the reason.
Sentences saying the passages do not answer need no citation. The check is
lexical on purpose: it is fast, deterministic and explainable, and a paraphrase
that drifts too far from the source is exactly what a legal answer must avoid.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rag.core.resources import DEFAULT, Resources
from rag.core.text import MARKER_RE, sentence_pieces
from rag.verify.claims import CJK_RE, LIST_PREFIX_RE, content_units, markers, normalize, numbers

log = logging.getLogger(__name__)

# "Article 63" must be an article 63 of the passage, not a 63 found elsewhere in it ("Act No. 63").
_REF_RE = re.compile(r"\b(article|section|paragraph|no)s?\.?\s+(\d+(?:-\d+)?)\b")
_REF_ABBREV = [(re.compile(r"\bart(s?)\.\s*"), r"article\1 "), (re.compile(r"\bpara(s?)\.\s*"), r"paragraph\1 "),
               (re.compile(r"(?:\bsecs?\.|§+)\s*"), "section "), (re.compile(r"\bnos?\.\s*"), "no. ")]


@dataclass
class Flag:
    sentence: str
    reason: str

    def __str__(self) -> str:
        return f"{self.reason}: {self.sentence}"


@dataclass
class Verdict:
    clean_text: str
    flags: list[Flag] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)  # markers used by the surviving sentences, first use first
    kept: int = 0  # sentences kept
    no_answer: bool = False  # a kept sentence says the passages do not answer
    notes: list[str] = field(default_factory=list)  # citations the verifier added to uncited sentences

    @property
    def flagged(self) -> list[str]:
        return [str(f) for f in self.flags]


@lru_cache(maxsize=4)  # compiled once per Resources (data directory)
def _lexicon(res: Resources = DEFAULT) -> dict:
    data, inj = res.toml("verify.toml"), res.toml("injection.toml")
    return {
        "threshold": float(data.get("support_threshold", 0.6)),
        "attribute_threshold": float(data.get("attribute_threshold", 0.85)),
        "no_answer": [re.compile(p, re.I) for p in data.get("no_answer_patterns", [])],
        "jur": {j: [re.compile(p, re.I) for p in pats] for j, pats in data.get("jurisdictions", {}).items()},
        "inject": [re.compile(p, re.I) for p in inj.get("patterns", [])],
    }


def injection_matches(text: str) -> list[str]:
    """Instruction-like snippets found in ``text`` (empty when it looks like plain law)."""
    norm = unicodedata.normalize("NFKC", text)
    return [m.group(0) for p in _lexicon()["inject"] for m in p.finditer(norm)]


def strip_injections(text: str) -> str:
    """``text`` without the sentences that contain instruction-like text."""
    if not injection_matches(text):
        return text
    return "".join(s for s in sentence_pieces(text, answer=True) if not injection_matches(s))




def _field_of(item: Any, name: str, default: str = "") -> str:
    """A citation's, hit's or chunk's field (a hit carries it on its chunk)."""
    for obj in (item, getattr(item, "chunk", None)):
        value = getattr(obj, name, "") if obj is not None else ""
        if value:
            return str(value)
    return default


# Words by which a sentence presents its claim as the law ("under the Act", "the Regulation requires").
_AS_LAW_RE = re.compile(r"\b(?:act|regulation|directive|law|statute|ordinance)s?\b|法|법|条例", re.I)


def _named_jurisdictions(text: str) -> set[str]:
    return {j for j, pats in _lexicon()["jur"].items() if any(p.search(text) for p in pats)}


def _same_jurisdiction(named: set[str], cited: set[str]) -> bool:
    # "US-CA" passages satisfy a sentence naming California; a passage's "US-CA" also counts as "US".
    widened = cited | {c.split("-")[0] for c in cited}
    return bool(named & widened)


@dataclass
class _Passages:
    """The passages an answer may cite, as check() reads them."""

    valid: set[int]  # the markers that name a retrieved passage
    jur: dict[int, str]  # marker -> the passage's jurisdiction
    kind: dict[int, str]  # marker -> law | translation | ... | user
    official_in_scope: bool  # any passage is not a user's upload
    clean: dict[int, str]  # marker -> normalised text without instruction-like sentences
    raw: dict[int, str]  # marker -> normalised text


def _passages(citations_by_n: Mapping[int, Any] | None, passages: Mapping[int, str] | Sequence[str]) -> _Passages:
    texts = dict(passages) if isinstance(passages, Mapping) else {i: t for i, t in enumerate(passages, 1)}
    valid = set(texts) if citations_by_n is None else set(texts) & set(citations_by_n)
    jur = {n: _field_of(citations_by_n[n], "jurisdiction") for n in valid} if citations_by_n else {}
    kind = {n: _field_of(citations_by_n[n], "kind", "law") for n in valid} if citations_by_n else {}
    return _Passages(valid, jur, kind, any(k != "user" for k in kind.values()),
                     {n: normalize(strip_injections(texts[n])) for n in valid}, {n: normalize(texts[n]) for n in valid})


def _without_markers(piece: str, valid: set[int]) -> str:
    """``piece`` keeping only the markers of retrieved passages (and no space left before its punctuation)."""
    piece = MARKER_RE.sub(lambda m: "".join(f"[{n}]" for n in markers(m.group(0)) if n in valid), piece)
    return re.sub(r"[ \t]+([.。,;])", r"\1", piece)


def _unsupported(body: str, good: list[int], ps: _Passages, threshold: float) -> str:
    """Why the cited passages ``good`` do not support the sentence ``body``; "" when they do."""
    reason = _support_problem(body, good, ps.clean, ps.raw, threshold)
    if reason:
        return reason
    named = _named_jurisdictions(body)
    cited_j = {ps.jur[n] for n in good if ps.jur.get(n)}
    if named and cited_j and not _same_jurisdiction(named, cited_j):
        return (f"names {', '.join(sorted(named))} but cites passages from "
                f"{', '.join(sorted(cited_j))} (jurisdictions mixed)")
    if ps.official_in_scope and all(ps.kind.get(n) == "user" for n in good) and (named or _AS_LAW_RE.search(body)):
        return (f"presents as the law what only the user's upload {', '.join(f'[{n}]' for n in good)} "
                "says; the official texts retrieved do not say it")
    return ""


def check(answer_text: str, citations_by_n: Mapping[int, Any] | None,
          passages: Mapping[int, str] | Sequence[str], *, threshold: float | None = None,
          attribute: bool = True) -> Verdict:
    """Verify ``answer_text``; see the module docstring. ``passages``: {n: text} or a list numbered from 1.

    With ``attribute``, an uncited sentence that one passage supports closely
    (``attribute_threshold`` in verify.toml, stricter than ``threshold``) gets
    that passage's marker instead of being dropped: small local models often
    copy a provision faithfully but forget the [n].
    """
    lex = _lexicon()
    threshold = lex["threshold"] if threshold is None else threshold
    ps = _passages(citations_by_n, passages)
    r = _Reading()
    for piece in sentence_pieces(answer_text, answer=True):
        _read_sentence(piece, r, ps, lex, threshold, attribute)
    for f in r.flags:
        log.info("verifier: %s", f)
    text = re.sub(r"[ \t]+\n", "\n", "".join(r.kept)).strip()
    return Verdict(clean_text=text, flags=r.flags, cited=r.cited, kept=sum(1 for k in r.kept if k.strip()),
                   no_answer=r.said_no_answer, notes=r.notes)


@dataclass
class _Reading:
    """What check() has gathered so far, sentence by sentence."""

    kept: list[str] = field(default_factory=list)  # the surviving pieces, whitespace kept
    flags: list[Flag] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    said_no_answer: bool = False


def _read_sentence(piece: str, r: _Reading, ps: _Passages, lex: dict, threshold: float, attribute: bool) -> None:
    """Keep one piece of the answer (its markers mended: unknown ones removed, a missing one attributed) or
    drop it with a flag saying why."""
    sentence = piece.strip()
    if not sentence:
        r.kept.append(piece)
        return
    ns = markers(sentence)
    good = [n for n in dict.fromkeys(ns) if n in ps.valid]
    bad = [n for n in dict.fromkeys(ns) if n not in ps.valid]
    body = normalize(LIST_PREFIX_RE.sub("", sentence))
    if bad:
        piece = _without_markers(piece, ps.valid)
        r.flags.append(Flag(sentence, f"cites {', '.join(f'[{n}]' for n in bad)}, which was not retrieved"
                                      + (" (marker removed)" if good else " (sentence removed)")))
        if not good:
            return
    if injection_matches(sentence):
        r.flags.append(Flag(sentence, "contains instruction-like text (possible prompt injection)"))
        return
    no_answer = any(p.search(body) for p in lex["no_answer"])
    claims = bool(content_units(body) or numbers(body, claimed=True))
    if not good and claims and not no_answer and attribute:
        n, why = _attribute(body, ps.valid, ps.clean, ps.raw, lex["attribute_threshold"])
        if n:
            piece = _add_marker(piece, n)
            good = [n]
            r.notes.append(f"citation [{n}] added (sentence closely matches that passage): {sentence}")
        elif why:
            r.flags.append(Flag(sentence, why))
            return
    if not good:
        if (no_answer and not numbers(body, claimed=True)) or not claims:
            r.said_no_answer = r.said_no_answer or no_answer
            r.kept.append(piece)  # "the passages do not answer", or a content-free line
        else:
            r.flags.append(Flag(sentence, "no citation"))
        return
    # A "does not say" sentence needs no word overlap, but any number it states must be real.
    reason = _unsupported(body, good, ps, 0.0 if no_answer else threshold)
    if reason:
        r.flags.append(Flag(sentence, reason))
        return
    r.kept.append(piece)
    r.said_no_answer = r.said_no_answer or no_answer
    r.cited.extend(n for n in good if n not in r.cited)


def _expand_refs(text: str) -> str:
    for pat, repl in _REF_ABBREV:
        text = pat.sub(repl, text)
    return text


def _references(text: str) -> list[tuple[str, str]]:
    return _REF_RE.findall(_expand_refs(text))


def _attribute(body: str, valid: set[int], clean: dict[int, str], raw: dict[int, str],
               threshold: float) -> tuple[int | None, str]:
    """(n, "") for the first passage that closely supports an uncited sentence; else (None, why or "")."""
    why = ""
    for n in sorted(valid):
        problem = _support_problem(body, [n], clean, raw, threshold)
        if not problem:
            return n, ""
        if "prompt injection" in problem or (not why and not problem.startswith("not supported")):
            why = f"{problem} (no citation; closest passage [{n}])"  # words match, a number or reference does not
    return None, why


def _add_marker(piece: str, n: int) -> str:
    m = re.search(r"([.!?。！？]?)(\s*)$", piece)
    head = piece[:m.start()].rstrip()
    sep = "" if head and CJK_RE.match(head[-1]) else " "
    return f"{head}{sep}[{n}]{m.group(1)}{m.group(2)}"


def _support_problem(body: str, ns: list[int], clean: dict[int, str], raw: dict[int, str], threshold: float) -> str:
    """Empty when the cited passages support ``body``; else why not."""
    def problem(source: dict[int, str]) -> str:
        joined = "\n".join(source[n] for n in ns)
        missing_nums = numbers(body, claimed=True) - numbers(joined)
        if missing_nums:
            return f"number(s) {', '.join(sorted(missing_nums))} not in the cited passage(s)"
        for kind, num in _references(body):
            if not re.search(rf"\b{kind}s?\.?\s[^.;\n]{{0,40}}?(?<![\d-]){re.escape(num)}(?![\d-])", _expand_refs(joined)):
                return f"{kind} {num} is not a reference of the cited passage(s)"
        units = content_units(body)
        if not units:
            return ""
        pu = content_units(joined)
        ratio = len(units & pu) / len(units)
        if ratio < threshold:
            return f"not supported by the cited passage(s) (word overlap {ratio:.2f} < {threshold:.2f})"
        return ""

    first = problem(clean)
    if first and not problem(raw):
        return "repeats instruction-like text from a passage (prompt injection), not the law"
    return first


def verify(answer_text: str, citations_by_n: Mapping[int, Any] | None,
           passages: Mapping[int, str] | Sequence[str], *, threshold: float | None = None,
           attribute: bool = True) -> tuple[str, list[str]]:
    """(clean_text, flagged): the answer without unsupported sentences, and why each was removed.

    ``citations_by_n`` maps [n] to the Citation/Hit/Chunk it stands for (its
    ``jurisdiction`` is used); ``passages`` maps [n] to the passage text
    (include the law and article label so that "Article 99" can be supported).
    """
    v = check(answer_text, citations_by_n, passages, threshold=threshold, attribute=attribute)
    return v.clean_text, v.flagged
