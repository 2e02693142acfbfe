"""Evaluation reports from synthetic results: aggregates, floors, JSON and the HTML with plots."""
from __future__ import annotations

import base64
import json
import re

import pytest

from rag.evaluation.report import aggregate, check_floors, summarize, to_json, write_html
from rag.evaluation.runner import QuestionResult


def _results() -> list[QuestionResult]:
    def r(qid, qtype, laws, passed, recall, facts, latency, wrong=False, abst=(False, False)):
        return QuestionResult(id=qid, type=qtype, question=f"question {qid}?", laws=laws, passed=passed,
                              recall_at_5=recall, mrr=recall, fact_recall=facts, latency=latency, wrong=wrong,
                              expected_abstain=abst[0], abstained=abst[1],
                              reasons=[] if passed else [f"missing fact 1 of {qid}"])
    return [r("a", "single", ["jp-ai"], True, 1.0, 1.0, 0.5),
            r("b", "single", ["eu-ai"], False, 0.0, 0.5, 1.5, wrong=True),
            r("c", "comparison", ["jp-ai", "eu-ai"], True, 1.0, 1.0, 2.5),
            r("d", "out_of_corpus", [], False, None, None, 0.2, abst=(True, False))]


def test_aggregate_and_groups():
    s = summarize(_results())
    o = s["overall"]
    assert o["n"] == 4
    assert o["recall_at_5"] == pytest.approx(2 / 3)  # d has no gold: not counted
    assert o["fact_recall"] == pytest.approx(2.5 / 3)
    assert o["wrong_rate"] == 0.25
    assert o["abstention_accuracy"] == 0.75
    assert o["pass_rate"] == 0.5
    assert set(s["by_type"]) == {"single", "comparison", "out_of_corpus"}
    assert s["by_law"]["jp-ai"]["n"] == 2 and s["by_law"]["eu-ai"]["n"] == 2  # c counts for both laws
    assert s["by_law"]["(none)"]["n"] == 1
    assert aggregate([])["recall_at_5"] is None


def test_floors():
    o = summarize(_results())["overall"]
    assert check_floors(o, {"recall_at_5": 0.5, "wrong_rate": 0.3}) == []
    missed = check_floors(o, {"recall_at_5": 0.9, "wrong_rate": 0.1, "citation_precision": 0.9})
    assert len(missed) == 3 and missed[0].startswith("recall_at_5")


def test_json_report(tmp_path):
    out = tmp_path / "eval.json"
    to_json({"regqa": _results()}, out, gold_set="x.jsonl")
    doc = json.loads(out.read_text(encoding="utf-8"))
    run = doc["runs"]["regqa"]
    assert doc["gold_set"] == "x.jsonl"
    assert [f["id"] for f in run["failures"]] == ["b", "d"]
    assert len(run["results"]) == 4 and run["results"][1]["reasons"] == ["missing fact 1 of b"]
    assert run["summary"]["overall"]["pass_rate"] == 0.5


def test_html_report_has_plots_and_tables(tmp_path):
    out = tmp_path / "eval.html"
    base = [QuestionResult(id=r.id, type=r.type, question=r.question, laws=r.laws, latency=r.latency * 2,
                           recall_at_5=0.0 if r.recall_at_5 is not None else None, reasons=["x"])
            for r in _results()]
    html = write_html({"regqa": _results(), "baseline": base}, out)
    assert out.read_text(encoding="utf-8") == html
    imgs = re.findall(r"<img [^>]*src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert len(imgs) == 2
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in imgs)
    assert "regqa: by type" in html and "baseline: by law" in html and "<table>" in html
    assert "question b?" in html and "missing fact 1 of b" in html  # failure list
    assert html.count("<tr>") >= 2 + 2 * (3 + 1) + 2 * (3 + 1)


def test_cli_exit_codes_for_empty_index_and_bad_gold_file(tmp_path, monkeypatch, capsys):
    from cli.main import main

    monkeypatch.setenv("REGQA_DATA_DIR", str(tmp_path / "empty"))
    assert main(["eval", "--no-progress"]) == 3
    assert "is empty" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "type": "single"}\n', encoding="utf-8")
    assert main(["eval", "--set", str(bad), "--no-progress"]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err
