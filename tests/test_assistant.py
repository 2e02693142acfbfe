"""The Assistant end to end on a real small index (JP AI Promotion Act in Japanese and
English, the EU AI Act): the seed question, a follow-up, Japanese, out of corpus,
streaming, laziness and the empty-index error."""
from __future__ import annotations

import re

import pytest

from rag import Answer, Assistant
from rag.core.errors import IndexNotReady

DOCS = ["jp-ai-promotion-act-ja", "jp-ai-promotion-act-en", "eu-ai-act"]
SEED = "what penalties does Japan's AI law carry?"
NO_PENALTY = re.compile(r"no penalt|does not impose fines|罰則の規定はありません", re.I)


@pytest.fixture(scope="module")
def assistant(small_index_factory) -> Assistant:
    return Assistant.from_settings(small_index_factory(DOCS))


@pytest.fixture(scope="module")
def seed_answer(assistant) -> Answer:
    return assistant.answer(SEED)


def assert_quotes_verbatim(ans: Answer) -> None:
    bodies = {h.chunk.chunk_id: h.chunk.body for h in ans.hits}
    for c in ans.citations:
        assert c.quote and c.passage
        for part in c.quote.split(" … "):
            assert part.removesuffix(" …") in c.passage, (c.label, part)
        if c.chunk_id in bodies:
            assert bodies[c.chunk_id] in c.passage
        assert f"[{c.n}]" in ans.text


def assert_only_japan(ans: Answer) -> None:
    assert ans.citations, ans.text
    assert {c.jurisdiction for c in ans.citations} == {"JP"}
    assert not any(c.doc_id == "eu-ai-act" for c in ans.citations)
    assert "EUR" not in ans.text and "35 000 000" not in ans.text.replace("\u00a0", " ")


def test_general_eu_fines_question_quotes_the_amounts_of_art_99_first(assistant):
    ans = assistant.answer("How high are the fines under the EU AI Act?")
    first = ans.citations[0]
    assert first.article == "99" and re.search(r"EUR\s35\s000\s000", first.quote), ans.text
    assert {"99"} == {c.article for c in ans.citations[:3]}, ans.text  # not Art. 100 (Union institutions)
    assert_quotes_verbatim(ans)


@pytest.mark.parametrize("question,term", [("How does the EU AI Act define an 'AI system'?", "AI system"),
                                           ("Who counts as a 'deployer' under the EU AI Act?", "deployer")])
def test_definition_question_quotes_the_defining_sentence_first(assistant, question, term):
    # Not the definition that merely uses the term ("safety component" means a component of ... an AI system).
    first = assistant.answer(question).citations[0]
    assert first.article == "3" and re.match(rf"\(\d+\) .{term}. means", first.quote), first.quote


def test_seed_question_says_no_penalties_and_cites_art_16(seed_answer):
    ans = seed_answer
    assert not ans.abstained
    assert NO_PENALTY.search(ans.text.splitlines()[0]), ans.text
    assert_only_japan(ans)
    assert "16" in {c.article for c in ans.citations}
    art16 = next(c for c in ans.citations if c.article == "16")
    assert art16.label == "Act No. 53 of 2025, Art. 16"
    assert re.search(r"guidance|指導", art16.quote)
    assert art16.official_url.startswith("https://")
    assert art16.source_file.startswith("jp/ai-promotion-act-2025/")
    assert "jp-ai-promotion-act" in ans.scope.law_ids
    assert_quotes_verbatim(ans)
    assert set(ans.timings) >= {"understand", "retrieve", "compose", "total"}
    assert ans.hits, "Answer.hits must hold what retrieval returned"


def test_followup_keeps_japan(assistant, seed_answer):
    history = [{"role": "user", "content": SEED}, {"role": "assistant", "content": seed_answer.text}]
    ans = assistant.answer("and what about fines there?", history)
    assert ans.scope.law_ids == ["jp-ai-promotion-act"] or ans.scope.jurisdictions == ["JP"], ans.scope
    assert NO_PENALTY.search(ans.text), ans.text
    assert_only_japan(ans)


def test_japanese_question_gets_a_japanese_answer(assistant):
    ans = assistant.answer("AI推進法の罰則は？")
    assert "罰則" in ans.text and "ありません" in ans.text, ans.text
    assert_only_japan(ans)
    assert any(c.language == "ja" and c.article == "16" for c in ans.citations)
    assert "指導" in ans.text
    assert_quotes_verbatim(ans)


def test_japanese_factual_question(assistant):
    ans = assistant.answer("人工知能戦略本部の本部長は誰ですか？")
    assert not ans.abstained
    assert "内閣総理大臣" in ans.text, ans.text
    assert "22" in {c.article for c in ans.citations}
    assert_quotes_verbatim(ans)


def test_eu_fine_question_cites_art_99_3_only_eu(assistant):
    ans = assistant.answer("What is the maximum fine under the EU AI Act for using a prohibited AI practice?")
    assert re.search(r"35\s?000\s?000", ans.text), ans.text
    assert {c.jurisdiction for c in ans.citations} == {"EU"}
    assert "Regulation (EU) 2024/1689, Art. 99(3)" in {c.label for c in ans.citations}
    assert_quotes_verbatim(ans)


def test_out_of_corpus_abstains_and_names_the_corpus(assistant):
    ans = assistant.answer("What fines does Brazil's AI bill (PL 2338/2023) provide?")
    assert ans.abstained and not ans.citations, ans.text
    assert "does not" in ans.text
    assert "JP" in ans.text and "EU" in ans.text  # what is indexed, by jurisdiction


def test_stream_yields_tokens_then_the_answer(assistant):
    events = list(assistant.stream(SEED))
    kinds = [k for k, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"token"} and len(kinds) > 2
    ans = events[-1][1]
    assert "".join(v for k, v in events[:-1]) == ans.text
    assert_only_japan(ans)


def test_doc_filter_limits_citations(assistant):
    ans = assistant.answer("Who is the chairperson of the Artificial Intelligence Strategic Headquarters?",
                           doc_ids=["jp-ai-promotion-act-en"])
    assert ans.citations and {c.doc_id for c in ans.citations} == {"jp-ai-promotion-act-en"}


def test_lazy_and_empty_index(tmp_settings):
    a = Assistant.from_settings(tmp_settings)
    assert not tmp_settings.chroma_dir.exists()  # nothing opened before the first question
    with pytest.raises(IndexNotReady, match="regqa ingest"):
        a.answer(SEED)


@pytest.mark.parametrize("chunks", [0, 3])
def test_registry_records_without_chunks_are_an_empty_index(tmp_settings, chunks):
    """The count that tells an empty collection runs in a thread beside the first catalog build
    (Assistant.documents); its answer still decides, and the catalog is built for those documents."""
    docs = [{"doc_id": "eu-ai-act", "law_id": "eu-ai-act", "title": "Regulation (EU) 2024/1689", "file_hash": "f"}]

    class Store:
        def documents(self):
            return docs

        def count(self):
            return chunks

        def where(self):
            return "a test store"

    a = Assistant(tmp_settings, store=Store())
    if not chunks:
        with pytest.raises(IndexNotReady, match="regqa ingest"):
            a.documents()
    else:
        assert a.documents() == docs
        built = a._catalogs[1]  # built by documents(), beside the count
        assert built is not None and a.catalog_for(docs) is built
