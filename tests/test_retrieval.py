"""Hybrid retrieval on a real small index (JP AI Promotion Act ja+en, APPI ja, Penal Code ja,
EU AI Act): scoping, article lookup, Japanese questions, near-identical provisions, filters."""
from __future__ import annotations

import re

import pytest

from rag.core.types import Scope
from rag.index.lexical import index_for
from rag.retrieve.hybrid import HybridRetriever
from rag.understand.catalog import LawCatalog
from rag.understand.scope import understand

DOCS = ["jp-ai-promotion-act-ja", "jp-ai-promotion-act-en", "jp-appi-ja", "jp-penal-code-ja", "eu-ai-act"]


@pytest.fixture(scope="module")
def retriever(small_index_factory):
    return HybridRetriever(small_index_factory(DOCS))


@pytest.fixture(scope="module")
def catalog():
    return LawCatalog.load()


def ask(retriever, catalog, question, k=5, history=None):
    scope = understand(question, history, catalog=catalog)
    return scope, retriever.search(scope.resolved_question or question, scope, k=k)


def test_seed_question_stays_in_japan(retriever, catalog):
    scope, hits = ask(retriever, catalog, "what penalties does Japan's AI law carry?")
    assert hits and all(h.chunk.law_id == "jp-ai-promotion-act" for h in hits)
    assert not any(h.chunk.jurisdiction == "EU" for h in hits)
    # The law has no penalties: the nearest provision (Art. 16, research/guidance) must be found.
    assert "16" in [h.chunk.article for h in hits]


def test_unscoped_search_can_reach_eu_but_scope_prevents_it(retriever):
    hits = retriever.search("What is the maximum fine for prohibited AI practices?", Scope(), k=5)
    assert any(h.chunk.law_id == "eu-ai-act" for h in hits)
    hits = retriever.search("What is the maximum fine for prohibited AI practices?", Scope(jurisdictions=["JP"]), k=5)
    assert hits and all(h.chunk.jurisdiction == "JP" for h in hits)


def test_kanji_article_lookup_ranks_first(retriever, catalog):
    scope, hits = ask(retriever, catalog, "AI推進法第十六条は何を定めていますか？")
    assert scope.articles == ["16"]
    assert hits[0].chunk.article == "16" and hits[0].chunk.law_id == "jp-ai-promotion-act"
    assert hits[0].chunk.language == "ja" and hits[0].ranks.get("lookup") == 0


def test_english_article_with_paragraph(retriever, catalog):
    scope, hits = ask(retriever, catalog, "What does Art. 99(4) of the EU AI Act say?")
    assert hits[0].chunk.article == "99" and hits[0].chunk.unit_kind == "article"
    assert hits[0].chunk.paragraph.split("-")[0] == "4"


def test_lookup_skips_recitals_with_the_same_number(retriever):
    chunks = retriever.lookup("eu-ai-act", "99")
    assert chunks and all(c.unit_kind == "article" for c in chunks)
    assert all(c.paragraph in ("7", "7-8") for c in retriever.lookup("eu-ai-act", "99", "7"))


# (A dev question "人工知能戦略本部はどこに置かれますか？" was a case here: only a synonym written for its wording,
# "どこに" -> 置く, found Art. 19; that synonym is gone and the dev set measures the question, jp-ai-020.)
@pytest.mark.parametrize("question,law_id,article", [
    ("人工知能戦略本部の本部長は誰ですか？", "jp-ai-promotion-act", "22"),
    ("個人情報保護法で個人データの漏えいが起きたら何をしなければなりませんか？", "jp-appi", "26"),
    ("コンピュータウイルスを作成すると刑法上どうなりますか？", "jp-penal-code", "168-2"),
    ("侮辱罪の法定刑は？", "jp-penal-code", "231"),
])
def test_japanese_questions_land_in_the_right_law(retriever, catalog, question, law_id, article):
    scope, hits = ask(retriever, catalog, question)
    assert hits[0].chunk.law_id == law_id
    assert article in [h.chunk.article for h in hits]


def test_japanese_question_without_law_name_finds_the_law_by_content(retriever):
    # Only the country is known: the words of the question must pick the AI Promotion Act.
    hits = retriever.search("人工知能戦略本部の副本部長", Scope(jurisdictions=["JP"], language="ja"), k=5)
    assert hits[0].chunk.law_id == "jp-ai-promotion-act"
    assert "23" in [h.chunk.article for h in hits]


def test_followup_in_japanese(retriever, catalog):
    h = [{"role": "user", "content": "人工知能戦略本部の本部長は誰ですか？"}, {"role": "assistant", "content": "第二十二条"}]
    scope, hits = ask(retriever, catalog, "じゃあ副本部長は？", history=h)
    assert "23" in [x.chunk.article for x in hits[:3]]


@pytest.mark.parametrize("question,article", [
    ("What fines can the Commission impose on providers of general-purpose AI models?", "101"),
    ("What is the maximum fine under the EU AI Act for using a prohibited AI practice?", "99"),
    ("Which fines can the European Data Protection Supervisor impose on Union institutions under the AI Act?", "100"),
])
def test_near_identical_penalty_articles_are_separated(retriever, catalog, question, article):
    scope, hits = ask(retriever, catalog, question)
    arts = [h.chunk.article for h in hits if h.chunk.unit_kind == "article"]
    # The three Chapter XII articles must all rank above provisions that only share the qualifier
    # ("prohibited practice" -> Art. 5); the one that the question's own words single out comes first
    # when it is named by its addressee (Commission/GPAI providers, EDPS/Union institutions).
    assert article in arts[:3] and arts[0] in ("99", "100", "101")
    if article != "99":
        assert arts[0] == article


@pytest.mark.parametrize("question", ["How high are the fines under the EU AI Act?", "wat fines dose the eu ai act have"])
def test_general_fines_question_gets_the_tiers_of_art_99(retriever, catalog, question):
    # "fines" must reach the caption "Penalties" (Art. 99) through its synonyms, not lose to the caption
    # "Administrative fines on Union institutions" (Art. 100); the paragraphs stating the amounts come along.
    scope, hits = ask(retriever, catalog, question)
    assert hits[0].chunk.article == "99", [(h.chunk.article, h.chunk.paragraph) for h in hits]
    amounts = {h.chunk.paragraph for h in hits[:5] if h.chunk.article == "99"
               and re.search(r"EUR \d", h.chunk.body.replace("\u00a0", " "))}
    assert len(amounts) >= 2, [(h.chunk.article, h.chunk.paragraph) for h in hits]


def test_definitions_title_is_boosted(retriever, catalog):
    scope, hits = ask(retriever, catalog, "How does the EU AI Act define an 'AI system'?")
    assert "3" in [h.chunk.article for h in hits[:3] if h.chunk.unit_kind == "article"]


@pytest.mark.parametrize("question,defines", [
    ("個人情報保護法における「個人情報」の定義は？", "「個人情報」とは"),  # not 「個人情報データベース等」, whose chunk ranks higher
    ("What does 'deployer' mean under the EU AI Act?", "‘deployer’ means"),
    ("What is a 'general-purpose AI model' under the EU AI Act?", "‘general-purpose AI model’ means"),
])
def test_definition_question_gets_the_chunk_defining_the_asked_term_first(retriever, catalog, question, defines):
    scope, hits = ask(retriever, catalog, question)
    assert "definitions" in scope.aspects
    assert defines in hits[0].chunk.body, [(h.chunk.article, h.chunk.body[:60]) for h in hits]


def test_defining_prefers_the_longest_asked_term(retriever):
    got = retriever.defining("eu-ai-act", "what is a general-purpose AI system")
    assert got and all("‘general-purpose AI system’ means" in c.body for c in got)
    assert retriever.defining("eu-ai-act", "what are the fines") == []


def test_doc_filter_and_jurisdiction_filter(retriever, catalog):
    scope = understand("What is the purpose of Japan's AI Promotion Act?", catalog=catalog)
    hits = retriever.search("What is the purpose of Japan's AI Promotion Act?", scope, k=5, doc_ids=["jp-ai-promotion-act-en"])
    assert hits and all(h.chunk.doc_id == "jp-ai-promotion-act-en" for h in hits)
    assert hits[0].chunk.article == "1"
    hits = retriever.search("penalties", Scope(jurisdictions=["EU"]), k=6)
    assert hits and all(h.chunk.law_id == "eu-ai-act" for h in hits)


def test_one_hit_per_unit_and_k_respected(retriever, catalog):
    for q in ("What are the obligations of deployers of high-risk AI systems?", "AI推進法の罰則は？"):
        scope, hits = ask(retriever, catalog, q, k=6)
        units = [(h.chunk.doc_id, h.chunk.unit_kind, h.chunk.article) for h in hits]
        assert len(hits) <= 6 and len(units) == len(set(units))
        assert [h.score for h in hits[2:]] == sorted([h.score for h in hits[2:]], reverse=True)


def test_english_question_on_jp_law_also_gets_the_japanese_original(retriever, catalog):
    scope, hits = ask(retriever, catalog, "Who is the chairperson of Japan's AI Strategic Headquarters?")
    top = hits[0].chunk
    assert top.language == "en" and top.law_id == "jp-ai-promotion-act"
    assert any(h.chunk.language == "ja" and h.chunk.article == top.article for h in hits)


def test_comparison_gets_every_law(retriever, catalog):
    scope, hits = ask(retriever, catalog, "Compare the penalties in the EU AI Act and Japan's AI Promotion Act", k=6)
    assert {h.chunk.law_id for h in hits} == {"eu-ai-act", "jp-ai-promotion-act"}


def test_law_chunks(retriever):
    ja = retriever.law_chunks("jp-ai-promotion-act", language="ja")
    assert ja and all(c.language == "ja" and c.law_id == "jp-ai-promotion-act" for c in ja)
    assert len(retriever.law_chunks("jp-ai-promotion-act")) > len(ja)
    assert retriever.law_chunks("eu-gdpr") == []


def test_as_langchain(retriever, catalog):
    from langchain_core.retrievers import BaseRetriever

    scope = understand("AI推進法の罰則は？", catalog=catalog)
    lc = retriever.as_langchain(scope=scope, k=3)
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke("AI推進法の罰則は？")
    assert 0 < len(docs) <= 3 and all(d.metadata["law_id"] == "jp-ai-promotion-act" for d in docs)
    docs = retriever.as_langchain(k=2).invoke("What are the EU AI Act fines for general-purpose AI model providers?")
    assert docs and docs[0].metadata["law_id"] == "eu-ai-act"


def test_bm25_index_follows_the_store_version(tmp_path, corpus_dir):
    from tests.conftest import build_index

    settings = build_index(tmp_path / "a", corpus_dir, ["us-ca-sb1001"])
    r = HybridRetriever(settings)
    first = index_for(r.store)
    assert {c.doc_id for c in first.chunks} == {"us-ca-sb1001"}
    assert index_for(r.store) is first  # cached while nothing changes
    build_index(tmp_path / "a", corpus_dir, ["us-ca-sb243"])
    second = index_for(r.store)
    assert second is not first and {c.doc_id for c in second.chunks} == {"us-ca-sb1001", "us-ca-sb243"}
    hits = r.search("Does a companion chatbot have to disclose it is not human?", Scope(law_ids=["us-ca-sb243"]), k=3)
    assert hits and all(h.chunk.law_id == "us-ca-sb243" for h in hits)
    # Whole-law access follows too: a search checks the store, and law_chunks uses that fresh index.
    assert r.law_chunks("us-ca-sb243") and {c.law_id for c in r.law_chunks("us-ca-sb243")} == {"us-ca-sb243"}


def test_law_chunks_rechecks_the_store_after_a_while(tmp_path, corpus_dir, monkeypatch):
    import rag.retrieve.hybrid as R
    from tests.conftest import build_index

    monkeypatch.setattr(R, "_INDEX_RECHECK_S", 3600.0)  # "recently checked", however slow the machine
    settings = build_index(tmp_path / "b", corpus_dir, ["us-ca-sb1001"])
    r = HybridRetriever(settings)
    assert r.law_chunks("us-ca-sb243") == []
    build_index(tmp_path / "b", corpus_dir, ["us-ca-sb243"])
    assert r.law_chunks("us-ca-sb243") == []  # checked recently: the same index
    monkeypatch.setattr(R, "_INDEX_RECHECK_S", 0.0)
    assert r.law_chunks("us-ca-sb243")  # then the store is read again


def test_laws_naming_a_law_verbatim(retriever):
    # "Regulation (EU) 2019/1020" (market surveillance) is not indexed, but the AI Act names it in dozens of
    # provisions; whitespace and case are read loosely (EUR-Lex puts non-breaking spaces in such names)
    assert retriever.mentioning("regulation (EU)\u00a02019/1020") == ["eu-ai-act"]
    assert retriever.mentioning("Regulation (EU) 2099/1") == []
    assert retriever.mentioning("act") == []  # a word, not a name
