"""Runs gold questions through an answer function and scores each answer.

``run(questions, answer_fn)`` calls ``answer_fn(question, history[, as_of=...]) -> Answer`` (normally
``Assistant.answer``) for each question, times it, and returns one ``QuestionResult`` per
question with its metrics (see ``rag.evaluation.metrics``), pass/fail and the reasons for a
fail, e.g. "gold article not in top 5", "missing fact 2: <regex>" (facts numbered from 1),
"must_not matched: <regex>", "should have abstained", "abstained wrongly".
An exception from the answerer fails that question ("error: ...") and the run goes on.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from rag.core.types import Answer
from rag.evaluation import metrics as M
from rag.evaluation.goldset import GoldQuestion


@dataclass
class QuestionResult:
    id: str
    type: str
    question: str
    laws: list[str]
    text: str = ""
    abstained: bool = False
    expected_abstain: bool = False
    hits: list[dict] = field(default_factory=list)  # rank order: doc_id, source_file, article, paragraph
    citations: list[dict] = field(default_factory=list)
    latency: float = 0.0  # seconds, wall clock around answer_fn
    recall_at_5: float | None = None
    mrr: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    fact_recall: float | None = None
    cite1_gold: bool | None = None  # citation [1] is a gold provision (answerable questions)
    overclaim: bool = False  # the lead says the quotes answer, but [1] is no gold provision (or none was due)
    underclaim: bool = False  # [1] is a gold provision, but the lead only calls the quotes "the closest"
    wrong: bool = False
    abstention_ok: bool = True
    passed: bool = False
    reasons: list[str] = field(default_factory=list)
    error: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


AnswerFn = Callable[[str, list[dict]], Answer]


def _hit_row(h) -> dict:
    c = h.chunk
    return {"doc_id": c.doc_id, "source_file": c.source_file, "article": c.article, "paragraph": c.paragraph,
            "unit_kind": c.unit_kind, "score": round(float(h.score or 0.0), 4)}


def _cit_row(c) -> dict:
    return {"n": c.n, "doc_id": c.doc_id, "source_file": c.source_file, "article": c.article,
            "paragraph": c.paragraph, "label": c.label, "quote": (c.quote or "")[:300]}


def score(q: GoldQuestion, ans: Answer, latency: float, *, k: int = 5,
          hit_match: M.HitMatcher = M.hit_matches) -> QuestionResult:
    """Metrics and pass/fail of one answer to one gold question."""
    r = QuestionResult(id=q.id, type=q.type, question=q.question, laws=list(q.laws), text=ans.text or "",
                       abstained=bool(ans.abstained), expected_abstain=q.abstain,
                       hits=[_hit_row(h) for h in ans.hits], citations=[_cit_row(c) for c in ans.citations],
                       latency=latency)
    per_item = q.type == "comparison"  # every jurisdiction compared must be found
    if q.gold:
        r.recall_at_5 = M.recall_at_k(ans.hits, q.gold, k, per_item=per_item, match=hit_match)
        r.mrr = M.mrr(ans.hits, q.gold, match=hit_match)
        r.citation_recall = M.citation_recall(ans.citations, q.gold)
    r.citation_precision = M.citation_precision(ans.citations, q.gold, r.text)
    if q.gold and not q.abstain:
        r.cite1_gold = M.first_citation_gold(ans.citations, q.gold)
    r.overclaim = M.overclaims(ans, q.gold, q.abstain)
    r.underclaim = M.underclaims(ans, q.gold, q.abstain)
    found = M.fact_hits(r.text, q.facts)
    r.fact_recall = sum(found) / len(found) if found else None
    bad = M.must_not_matches(r.text, q.must_not)
    r.wrong = bool(bad)
    r.abstention_ok = r.abstained == q.abstain

    reasons = []
    if q.abstain and not r.abstained:
        reasons.append("should have abstained")
    if not q.abstain and r.abstained:
        reasons.append("abstained wrongly")
    if q.gold and not q.abstain and (r.recall_at_5 or 0.0) < 1.0:
        what = "gold article not in top" if not per_item else "not every compared gold article in top"
        reasons.append(f"{what} {k}")
    for i, ok in enumerate(found, 1):
        if not ok:
            reasons.append(f"missing fact {i}: {' | '.join(q.facts[i - 1])[:120]}")
    for p in bad:
        reasons.append(f"must_not matched: {p}")
    if r.overclaim:
        reasons.append("the lead claims the quotes answer, but citation [1] is no gold provision")
    r.reasons = reasons
    r.passed = not reasons
    return r


def run(questions: list[GoldQuestion], answer_fn: AnswerFn, *, k: int = 5, hit_match: M.HitMatcher = M.hit_matches,
        progress: Callable[[int, int, QuestionResult], None] | None = None) -> list[QuestionResult]:
    """Answer and score every question, in order; ``progress(i, n, result)`` after each one."""
    results: list[QuestionResult] = []
    for i, q in enumerate(questions, 1):
        t0 = time.perf_counter()
        try:
            # a question asked as of a date gets that date (the engine's default is today)
            ans = answer_fn(q.question, list(q.history), **({"as_of": q.as_of} if q.as_of else {}))
        except Exception as e:  # one broken answer must not hide the scores of the others
            from rag.core.errors import BackendUnavailable, IndexNotReady

            if isinstance(e, BackendUnavailable | IndexNotReady):
                raise
            r = QuestionResult(id=q.id, type=q.type, question=q.question, laws=list(q.laws),
                               expected_abstain=q.abstain, latency=time.perf_counter() - t0,
                               error=f"{type(e).__name__}: {str(e)[:200]}")
            r.abstention_ok = not q.abstain
            r.fact_recall = 0.0 if q.facts else None
            r.recall_at_5 = 0.0 if q.gold else None
            r.mrr = 0.0 if q.gold else None
            r.citation_recall = 0.0 if q.gold else None
            r.reasons = [f"error: {r.error}"]
        else:
            r = score(q, ans, time.perf_counter() - t0, k=k, hit_match=hit_match)
        results.append(r)
        if progress:
            progress(i, len(questions), r)
    return results
