"""Per-question metrics of the evaluation, as plain functions over Hits, Citations and answer text.

Gold matching: a retrieved chunk or a citation matches a gold item when its ``source_file``
equals the gold ``doc`` or lies under it (``doc`` may be a folder holding every language/version
of a law), its ``article`` equals the gold article, and - only if the gold names a paragraph -
its paragraph covers it: the same number, ``""`` (the whole article) or a run ``"1-3"`` that
includes it. The unit kind is compared only for annex/recital/supplementary gold items, since
code sections come out as ``section`` or ``article`` depending on the loader.

Definitions:
* recall@k: 1 if any of the top-k hits matches a gold item, else 0; for comparison questions
  (``per_item=True``) the share of gold items matched in the top k.
* MRR: 1 / rank of the first matching hit (0 if none).
* citation precision: among citations that point at a provision (non-empty article), the share
  that match a gold item OR support the answer: the cited chunk belongs to a gold law (its
  source file lies under a gold ``doc``) and its quote appears verbatim in the answer text
  (whitespace-normalised). None when nothing was cited.
* citation recall: share of gold items matched by at least one citation.
* fact recall: share of facts of which at least one alternative regex matches (case-insensitive).
* wrong: any ``must_not`` regex matches the answer text.
* abstention accuracy: share of questions where ``abstained`` equals the expected value.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

from rag.core.citations import paragraph_covers
from rag.core.types import Citation, Hit
from rag.evaluation.goldset import GoldRef

_STRICT_UNITS = {"annex", "recital", "supplementary"}


def doc_matches(source_file: str, doc: str) -> bool:
    """``source_file`` is the gold file itself or lies inside the gold folder."""
    source_file, doc = source_file.replace("\\", "/").strip("/"), doc.replace("\\", "/").strip("/")
    return bool(doc) and (source_file == doc or source_file.startswith(doc + "/"))


def ref_matches(source_file: str, article: str, paragraph: str, unit_kind: str, gold: GoldRef) -> bool:
    if not doc_matches(source_file, gold.doc):
        return False
    if gold.unit in _STRICT_UNITS and unit_kind != gold.unit:
        return False
    if (article or "").strip().lower() != (gold.article or "").strip().lower():
        return False
    return paragraph_covers(paragraph, gold.paragraph)


def hit_matches(hit: Hit, gold: GoldRef) -> bool:
    c = hit.chunk
    return ref_matches(c.source_file, c.article, c.paragraph, c.unit_kind, gold)


def citation_matches(cit: Citation, gold: GoldRef) -> bool:
    return ref_matches(cit.source_file, cit.article, cit.paragraph, cit.unit_kind, gold)


HitMatcher = Callable[[Hit, GoldRef], bool]


def first_citation_gold(citations: list[Citation], gold: list[GoldRef]) -> bool:
    """Citation [1] (the one the lead names first) is a gold provision."""
    first = min(citations, key=lambda c: c.n) if citations else None
    return bool(first is not None and any(citation_matches(first, g) for g in gold))


def overclaims(answer, gold: list[GoldRef], abstain: bool) -> bool:
    """The answer's lead presents the quoted provisions as answering ("X addresses this in Art. N"),
    but the question should have been declined, or citation [1] is none of the gold provisions."""
    if not getattr(answer, "claims_answer", False):
        return False
    if abstain:
        return True
    return bool(gold) and not first_citation_gold(answer.citations, gold)


def underclaims(answer, gold: list[GoldRef], abstain: bool) -> bool:
    """The answer quotes a gold provision as [1] but its lead does not say so ("No indexed provision clearly
    answers this. The closest are ..."): a right answer the reader is told to distrust."""
    if abstain or not gold or getattr(answer, "abstained", False) or getattr(answer, "claims_answer", False):
        return False
    return first_citation_gold(answer.citations, gold)


def first_match_rank(hits: list[Hit], gold: list[GoldRef], match: HitMatcher = hit_matches) -> int | None:
    """1-based rank of the first hit matching any gold item, or None."""
    for rank, h in enumerate(hits, 1):
        if any(match(h, g) for g in gold):
            return rank
    return None


def recall_at_k(hits: list[Hit], gold: list[GoldRef], k: int = 5, *, per_item: bool = False,
                match: HitMatcher = hit_matches) -> float | None:
    """None when there is no gold (nothing to find)."""
    if not gold:
        return None
    top = hits[:k]
    if per_item:
        return sum(any(match(h, g) for h in top) for g in gold) / len(gold)
    return 1.0 if any(match(h, g) for h in top for g in gold) else 0.0


def mrr(hits: list[Hit], gold: list[GoldRef], match: HitMatcher = hit_matches) -> float | None:
    if not gold:
        return None
    rank = first_match_rank(hits, gold, match)
    return 1.0 / rank if rank else 0.0


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\u00a0", " ")).strip().lower()


def citation_supported(cit: Citation, gold: list[GoldRef], answer_text: str) -> bool:
    """A gold match, or a chunk of a gold law whose quote the answer actually contains."""
    if any(citation_matches(cit, g) for g in gold):
        return True
    in_gold_law = any(doc_matches(cit.source_file, g.doc) for g in gold)
    # A citation quoting several sentences (or a list lead-in and its items) joins them with " … ";
    # the answer may show them on separate lines: every part must be in it.
    parts = [p for p in (_norm(x) for x in cit.quote.split("…")) if p]
    answer = _norm(answer_text)
    return in_gold_law and bool(parts) and all(p in answer for p in parts)


def citation_precision(citations: list[Citation], gold: list[GoldRef], answer_text: str) -> float | None:
    cited = [c for c in citations if c.article]
    if not cited:
        return None
    return sum(citation_supported(c, gold, answer_text) for c in cited) / len(cited)


def citation_recall(citations: list[Citation], gold: list[GoldRef]) -> float | None:
    if not gold:
        return None
    return sum(any(citation_matches(c, g) for c in citations) for g in gold) / len(gold)


def fact_hits(text: str, facts: list[list[str]]) -> list[bool]:
    """For each fact, whether one of its alternative regexes matches ``text``."""
    return [any(re.search(p, text or "", re.I) for p in alts) for alts in facts]


def fact_recall(text: str, facts: list[list[str]]) -> float | None:
    if not facts:
        return None
    found = fact_hits(text, facts)
    return sum(found) / len(found)


def must_not_matches(text: str, must_not: list[str]) -> list[str]:
    return [p for p in must_not if re.search(p, text or "", re.I)]


def is_wrong(text: str, must_not: list[str]) -> bool:
    return bool(must_not_matches(text, must_not))


def abstention_accuracy(pairs: Iterable[tuple[bool, bool]]) -> float | None:
    """``pairs`` of (expected_abstain, abstained)."""
    pairs = list(pairs)
    if not pairs:
        return None
    return sum(e == a for e, a in pairs) / len(pairs)


def percentile(values: Iterable[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100), None for no values."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    pos = (len(vals) - 1) * p / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def p50(values: Iterable[float]) -> float | None:
    return percentile(values, 50)


def p95(values: Iterable[float]) -> float | None:
    return percentile(values, 95)


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None
