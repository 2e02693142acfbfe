"""Evaluation metrics on hand-built hits, citations and answers (rag/evaluation/metrics.py, runner.score)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.core.types import Answer, Chunk, Citation, Hit
from rag.evaluation import metrics as M
from rag.evaluation.goldset import GoldRef, GoldSetError, parse_question
from rag.evaluation.runner import score

JP = "jp/ai-promotion-act-2025"
JP_FILE = f"{JP}/source/egov_ja.xml"
EU_FILE = "eu/ai-act-2024-1689/source/oj.xhtml"


def hit(source_file: str, article: str, paragraph: str = "", unit_kind: str = "article") -> Hit:
    c = Chunk(chunk_id=f"{source_file}:{article}:{paragraph}", doc_id="d", law_id="l", text="t", body="t",
              article=article, paragraph=paragraph, unit_kind=unit_kind, source_file=source_file)
    return Hit(chunk=c, score=1.0)


def cit(source_file: str, article: str, quote: str = "", paragraph: str = "", n: int = 1) -> Citation:
    return Citation(n=n, doc_id="d", law_title="", jurisdiction="", article=article, paragraph=paragraph,
                    quote=quote, official_url="", source_file=source_file)


def test_doc_matches_file_or_folder_but_not_prefix_of_name():
    assert M.doc_matches(JP_FILE, JP)
    assert M.doc_matches(JP_FILE, JP_FILE)
    assert not M.doc_matches("jp/ai-promotion-act-2025-draft/x.xml", JP)
    assert not M.doc_matches(EU_FILE, JP)


def test_paragraph_rules():
    g = GoldRef(doc=JP, article="16", paragraph="2")
    assert M.hit_matches(hit(JP_FILE, "16", "2"), g)
    assert M.hit_matches(hit(JP_FILE, "16", ""), g)  # whole article covers it
    assert M.hit_matches(hit(JP_FILE, "16", "1-3"), g)  # a run covering it
    assert not M.hit_matches(hit(JP_FILE, "16", "3-4"), g)
    assert not M.hit_matches(hit(JP_FILE, "16", "1"), g)
    assert not M.hit_matches(hit(JP_FILE, "17", "2"), g)
    assert M.hit_matches(hit(JP_FILE, "16", "5"), GoldRef(doc=JP, article="16"))  # no gold paragraph
    # EUR-Lex numbers definition points "(1)": a chunk "(1)-(3)" or "(4)" holds gold point 1 / 4
    assert M.hit_matches(hit(JP_FILE, "16", "(1)-(3)"), g)
    assert M.hit_matches(hit(JP_FILE, "16", "(2)"), g)
    assert not M.hit_matches(hit(JP_FILE, "16", "(4)-(6)"), g)
    assert not M.hit_matches(hit(JP_FILE, "16", "(b)"), GoldRef(doc=JP, article="16", paragraph="(a)"))
    assert M.hit_matches(hit(JP_FILE, "16", "(a)"), GoldRef(doc=JP, article="16", paragraph="(a)"))


def test_unit_checked_only_for_annex_recital_supplementary():
    assert not M.hit_matches(hit(EU_FILE, "III", unit_kind="article"), GoldRef(doc="eu", article="III", unit="annex"))
    assert M.hit_matches(hit(EU_FILE, "III", unit_kind="annex"), GoldRef(doc="eu", article="III", unit="annex"))
    assert M.hit_matches(hit("us/ca/sb53.txt", "22757.1", unit_kind="article"),
                         GoldRef(doc="us/ca", article="22757.1", unit="section"))


def test_recall_and_mrr_depend_on_rank():
    gold = [GoldRef(doc=JP, article="16")]
    hits = [hit(EU_FILE, "99")] * 5 + [hit(JP_FILE, "16")]
    assert M.recall_at_k(hits, gold, 5) == 0.0
    assert M.recall_at_k(hits, gold, 6) == 1.0
    assert M.mrr(hits, gold) == pytest.approx(1 / 6)
    assert M.mrr(hits[1:], gold) == pytest.approx(1 / 5)
    assert M.mrr(hits[:5], gold) == 0.0
    assert M.recall_at_k(hits, [], 5) is None


def test_recall_per_item_for_comparisons():
    gold = [GoldRef(doc=JP, article="16"), GoldRef(doc="eu/ai-act-2024-1689", article="99")]
    assert M.recall_at_k([hit(JP_FILE, "16")], gold, 5, per_item=True) == 0.5
    assert M.recall_at_k([hit(JP_FILE, "16")], gold, 5) == 1.0
    assert M.recall_at_k([hit(JP_FILE, "16"), hit(EU_FILE, "99")], gold, 5, per_item=True) == 1.0


def test_citation_precision_gold_or_supported_quote():
    gold = [GoldRef(doc=JP, article="16")]
    text = "The State shall provide guidance,  advice and information [2]."
    cits = [cit(JP_FILE, "16", n=1),  # gold
            cit(JP_FILE, "13", quote="provide guidance, advice", n=2),  # same law, quote in the answer
            cit(JP_FILE, "14", quote="words the answer never says", n=3),  # same law, unsupported
            cit(EU_FILE, "99", quote="provide guidance", n=4)]  # another law: never supported
    assert M.citation_precision(cits, gold, text) == pytest.approx(2 / 4)
    assert M.citation_precision(cits[:2], gold, text) == 1.0
    assert M.citation_precision([cit(JP_FILE, "")], gold, text) is None  # no article citations
    assert M.citation_recall(cits, gold) == 1.0
    assert M.citation_recall(cits[1:], gold) == 0.0


def test_citation_quote_in_parts_supported_only_when_every_part_is_in_the_answer():
    gold = [GoldRef(doc=JP, article="16")]
    text = "- “The following shall apply:” [1]\n  - “(b) the second item …” [1]"
    listed = cit(JP_FILE, "13", quote="The following shall apply: … (b) the second item …")
    assert M.citation_precision([listed], gold, text) == 1.0
    partly = cit(JP_FILE, "13", quote="The following shall apply: … (c) an item never shown")
    assert M.citation_precision([partly], gold, text) == 0.0


def test_fact_recall_and_wrong():
    facts = [["no penalt", "罰則.{0,5}ない"], ["guidance|指導"], ["Article 16"]]
    assert M.fact_recall("There are NO PENALTIES; only guidance.", facts) == pytest.approx(2 / 3)
    assert M.fact_recall("罰則はない。指導 Article 16", facts) == 1.0
    assert M.fact_recall("nothing relevant", facts) == 0.0
    assert M.fact_recall("x", []) is None
    assert M.is_wrong("fines up to EUR 35 000 000", [r"35\s?000\s?000"])
    assert not M.is_wrong("no fines", [r"35\s?000\s?000"])


def test_abstention_and_percentiles():
    assert M.abstention_accuracy([(True, True), (False, False), (True, False), (False, True)]) == 0.5
    assert M.abstention_accuracy([]) is None
    assert M.p50([3, 1, 2]) == 2
    assert M.p95(list(range(101))) == pytest.approx(95)
    assert M.percentile([], 50) is None


def _q(**kw) -> dict:
    base = {"id": "q1", "type": "single", "question": "What penalties?", "history": [], "laws": ["jp"],
            "gold": [{"doc": JP, "article": "16", "paragraph": None, "unit": "article"}],
            "facts": [["guidance"], ["advice"]], "must_not": [r"\bEUR\b"], "abstain": False, "notes": ""}
    return {**base, **kw}


def test_score_reasons():
    q = parse_question(_q())
    good = Answer(text="Guidance and advice [1].", citations=[cit(JP_FILE, "16")], hits=[hit(JP_FILE, "16")])
    r = score(q, good, 0.1)
    assert r.passed and r.reasons == []
    bad = Answer(text="Guidance, fines in EUR.", hits=[hit(EU_FILE, "99")])
    r = score(q, bad, 0.1)
    assert not r.passed
    assert "gold article not in top 5" in r.reasons
    assert any(x.startswith("missing fact 2") for x in r.reasons)
    assert any(x.startswith("must_not matched") for x in r.reasons)
    r = score(q, Answer(text="Guidance and advice.", abstained=True, hits=[hit(JP_FILE, "16")]), 0.1)
    assert r.reasons == ["abstained wrongly"]
    oc = parse_question(_q(type="out_of_corpus", gold=[], facts=[], laws=[], abstain=True))
    assert score(oc, Answer(text="Here is an answer."), 0.1).reasons == ["should have abstained"]
    assert score(oc, Answer(text="Not in the corpus.", abstained=True), 0.1).passed


def test_over_and_underclaim_compare_the_lead_with_citation_one():
    gold = [GoldRef(doc=JP, article="16")]
    right, other = [cit(JP_FILE, "16")], [cit(EU_FILE, "99")]
    # "X addresses this" over the gold provision: neither; over another provision: an overclaim
    assert not M.overclaims(Answer(text="", citations=right, claims_answer=True), gold, False)
    assert M.overclaims(Answer(text="", citations=other, claims_answer=True), gold, False)
    # "the closest are" over the gold provision: an underclaim; over another provision, or declining: none
    assert M.underclaims(Answer(text="", citations=right, claims_answer=False), gold, False)
    assert not M.underclaims(Answer(text="", citations=other, claims_answer=False), gold, False)
    assert not M.underclaims(Answer(text="", citations=right, abstained=True), gold, False)
    assert not M.underclaims(Answer(text="", citations=right, claims_answer=True), gold, False)
    r = score(parse_question(_q()), Answer(text="Guidance and advice [1].", citations=right, hits=[hit(JP_FILE, "16")]), 0.1)
    assert r.underclaim and r.passed  # reported beside the checks, not one of them


def test_goldset_validation_names_the_problem():
    with pytest.raises(GoldSetError, match="missing field"):
        parse_question({"id": "x"})
    with pytest.raises(GoldSetError, match="bad regex"):
        parse_question(_q(facts=[["(unclosed"]]))
    with pytest.raises(GoldSetError, match="unknown type"):
        parse_question(_q(type="weird"))


def test_run_records_errors_and_stops_on_unavailable_backend():
    from rag.core.errors import BackendUnavailable
    from rag.evaluation.runner import run

    qs = [parse_question(_q(id="ok")), parse_question(_q(id="boom"))]

    def answer(question, history):
        if answer.calls == 1:
            raise ValueError("broken composer")
        answer.calls += 1
        return Answer(text="guidance and advice", hits=[hit(JP_FILE, "16")])
    answer.calls = 0
    seen = []
    results = run(qs, answer, progress=lambda i, n, r: seen.append((i, n, r.id)))
    assert [r.passed for r in results] == [True, False]
    assert results[1].error.startswith("ValueError") and results[1].reasons[0].startswith("error:")
    assert seen == [(1, 2, "ok"), (2, 2, "boom")]

    def down(question, history):
        raise BackendUnavailable("chroma down")
    with pytest.raises(BackendUnavailable):
        run(qs, down)


def test_questions_are_asked_as_of_the_day_their_set_was_written(tmp_path):
    from rag.evaluation import load_goldset, written_as_of

    row = {"id": "x-1", "type": "single", "question": "Is it binding yet?", "history": [], "laws": ["eu-ai-act"],
           "gold": [{"doc": "eu/ai-act-2024-1689", "article": "113", "paragraph": None, "unit": "article"}],
           "facts": [["2 December 2026"]], "must_not": [], "abstain": False, "notes": ""}
    own = dict(row, id="x-2", as_of="2025-09-01")
    (tmp_path / "set.jsonl").write_text("\n".join(json.dumps(r) for r in (row, own)), encoding="utf-8")
    assert written_as_of(tmp_path / "set.jsonl") == ""  # no as_of.json: the day it runs
    (tmp_path / "as_of.json").write_text('{"as_of": "2026-12-01"}', encoding="utf-8")
    qs = load_goldset(tmp_path / "set.jsonl", as_of=written_as_of(tmp_path / "set.jsonl"))
    assert [q.as_of for q in qs] == ["2026-12-01", "2025-09-01"]  # a question's own date wins
    assert written_as_of(Path(__file__).parent / "eval" / "gold.jsonl") == "2026-12-01"
