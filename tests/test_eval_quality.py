"""The whole gold set (tests/eval/gold.jsonl) against the full-corpus index with the offline
Assistant; asserts the floors in tests/eval/floors.json. Slow: ~140 real questions.

On failure the message lists the missed floors, the overall row and the first failed
questions with their reasons; the full results are written to <tmp>/eval_quality.json.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.evaluation import check_floors, load_goldset, run, summarize, to_json
from rag.evaluation.report import failures

EVAL = Path(__file__).parent / "eval"


@pytest.mark.slow
def test_gold_set_meets_floors(corpus_index, tmp_path):
    from rag import Assistant

    questions = load_goldset(EVAL / "gold.jsonl")
    floors = json.loads((EVAL / "floors.json").read_text(encoding="utf-8"))
    assistant = Assistant.from_settings(corpus_index)
    results = run(questions, lambda q, h: assistant.answer(q, h, llm="offline"))
    to_json({"regqa": results}, tmp_path / "eval_quality.json", floors=floors)
    overall = summarize(results)["overall"]
    missed = check_floors(overall, floors)
    errors = [r for r in results if r.error]
    fails = failures(results)
    detail = "\n".join(f"  {f['id']} ({f['type']}): {'; '.join(f['reasons'])}" for f in fails[:40])
    row = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in overall.items())
    if errors:
        pytest.fail(f"{len(errors)} of {len(results)} questions raised, first: {errors[0].id}: {errors[0].error}")
    if missed:
        pytest.fail(f"floors missed: {'; '.join(missed)}\noverall: {row}\n"
             f"{len(fails)} failed questions (first 40):\n{detail}\n"
             f"full results: {tmp_path / 'eval_quality.json'}")
