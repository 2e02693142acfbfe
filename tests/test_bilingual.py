"""English <-> Japanese words from the real JMdict (jamdict-data): the glossary, and retrieval and quoting
of a Japanese-only law for an English question."""
from __future__ import annotations

import logging

from rag.understand.bilingual import load


def test_glossary_finds_japanese_legal_words_for_english_and_back(tmp_path):
    g = load(tmp_path)
    assert "侮辱" in g.japanese_for("insulting someone in public")  # stemmed like every query word
    assert "脅迫" in g.japanese_for("threats")
    assert "不正指令電磁的記録" in g.japanese_for("a computer virus")  # a phrase before its words
    assert "personal data" in g.english_for("個人データの越境移転の条件は？")
    assert g.english_for("これはです") == []  # particles and kana-only runs are not looked up


def test_glossary_is_built_once_and_then_only_opened(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="rag.understand.bilingual"):
        load(tmp_path)
        load(tmp_path)
    assert sum("glossary built" in r.getMessage() for r in caplog.records) == 1
    assert len(list(tmp_path.glob("jmdict-*.sqlite"))) == 1 and not list(tmp_path.glob("*.tmp"))


def test_an_unwritable_place_builds_the_glossary_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert "侮辱" in load(blocker / "glossary").japanese_for("insult")


def test_english_question_about_a_japanese_only_law_retrieves_and_quotes_it(small_index_factory):
    from rag.assistant import Assistant

    settings = small_index_factory(["jp-penal-code-ja"])
    ans = Assistant.from_settings(settings).answer("What does Japan's Penal Code say about creating computer viruses?")
    assert "不正指令電磁的記録" in ans.scope.translated
    assert ans.citations and ans.citations[0].article == "168-2", [c.article for c in ans.citations]
    c = ans.citations[0]  # verbatim Japanese, no translation invented
    assert all(piece in c.passage.replace("\n", " ") for piece in c.quote.replace("\n", " ").split(" … "))


def test_translated_words_written_in_kana_count_when_quoting():
    from rag.answer.offline.quotes import select_quotes
    from rag.core.types import Chunk, Hit, Scope
    from rag.understand.question import parse_question

    def hit(article: str, body: str) -> Hit:
        return Hit(Chunk(chunk_id=f"p:{article}", doc_id="p", law_id="p", text=body, body=body, language="ja",
                         article=article, jurisdiction="JP"))

    hits = [hit("168-2", "次に掲げる電磁的記録その他の記録を作成した者は、三年以下の拘禁刑に処する。"),
            hit("175", "わいせつな電磁的記録その他の記録を頒布した者は、二年以下の拘禁刑に処する。")]
    # An English word does not meet Japanese text; its dictionary form does, a kana one (わいせつ) as written
    # (the term extractor reads kanji bigrams only).
    indecent = parse_question("indecent", Scope())
    assert select_quotes(indecent, hits, [], 2) == []
    quotes = select_quotes(indecent, hits, [], 2, translated=["わいせつ"])
    assert [q.chunk.article for q in quotes] == ["175"]
