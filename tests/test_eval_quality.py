"""The dev set (tests/eval/gold.jsonl) and the held-out set (tests/eval/heldout.jsonl) against the
full-corpus index with the offline Assistant; asserts the floors of each set in tests/eval/floors.json
(the held-out floors are the ones that count). Held-out questions about a user's upload get their
documents ingested into a copy of the index first, as `regqa eval` does. Slow: ~280 real questions.

On failure the message lists the missed floors, the overall row and the first failed questions with
their reasons; the full results are written to <tmp>/eval_quality_<set>.json.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.evaluation import check_floors, load_goldset, run, summarize, to_json, written_as_of
from rag.evaluation.report import failures

EVAL = Path(__file__).parent / "eval"


@pytest.mark.slow
@pytest.mark.parametrize("name,path", [("dev", EVAL / "gold.jsonl"), ("heldout", EVAL / "heldout.jsonl")])
def test_question_set_meets_floors(name, path, corpus_index, tmp_path):
    from cli.eval_cmd import with_user_docs
    from rag import Assistant

    questions = load_goldset(path, as_of=written_as_of(path))  # the day the sets were written
    floors = json.loads((EVAL / "floors.json").read_text(encoding="utf-8"))[name]
    settings, cleanup = with_user_docs(corpus_index, questions, progress=False)
    try:
        assistant = Assistant.from_settings(settings)
        results = run(questions, lambda q, h, as_of=None: assistant.answer(q, h, llm="offline", as_of=as_of))
    finally:
        cleanup()
    to_json({name: results}, tmp_path / f"eval_quality_{name}.json", floors=floors)
    overall = summarize(results)["overall"]
    missed = check_floors(overall, floors)
    errors = [r for r in results if r.error]
    fails = failures(results)
    detail = "\n".join(f"  {f['id']} ({f['type']}): {'; '.join(f['reasons'])}" for f in fails[:40])
    row = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in overall.items())
    if errors:
        pytest.fail(f"{len(errors)} of {len(results)} questions raised, first: {errors[0].id}: {errors[0].error}")
    if missed:
        pytest.fail(f"{name} floors missed: {'; '.join(missed)}\noverall: {row}\n"
                    f"{len(fails)} failed questions (first 40):\n{detail}\n"
                    f"full results: {tmp_path / f'eval_quality_{name}.json'}")
