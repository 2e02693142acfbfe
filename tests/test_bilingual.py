"""English <-> Japanese words from the real JMdict (jamdict-data): the glossary, and retrieval and quoting
of a Japanese-only law for an English question."""
from __future__ import annotations

import logging
import sqlite3

import pytest

from rag.understand import bilingual
from rag.understand.bilingual import load


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def built():
    """The folder of the glossary every data dir shares (``Settings.glossary_path``), built there if it is not
    yet (JMdict takes about 20 s, once per machine)."""
    from rag.core.settings import Settings

    folder = Settings.from_env().glossary_path
    load(folder)
    return folder


def test_glossary_finds_japanese_legal_words_for_english_and_back(built):
    g = load(built)
    assert "侮辱" in g.japanese_for("insulting someone in public")  # stemmed like every query word
    assert "脅迫" in g.japanese_for("threats")
    assert "不正指令電磁的記録" in g.japanese_for("a computer virus")  # a phrase before its words
    assert "personal data" in g.english_for("個人データの越境移転の条件は？")
    assert g.english_for("これはです") == []  # particles and kana-only runs are not looked up


@pytest.mark.slow  # a build of its own, in a new folder: the 20 s the other tests share
def test_glossary_is_built_once_and_then_only_opened(tmp_path):
    folder, logger, records = tmp_path / "glossary", logging.getLogger("rag.understand.bilingual"), _Records()
    level = logger.level
    logger.addHandler(records)
    logger.setLevel(logging.INFO)
    try:
        load(folder)
        load(folder)
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    messages = records.messages
    assert sum("glossary built" in m for m in messages) == 1
    assert len(list(folder.glob("jmdict-*.sqlite"))) == 1 and not list(folder.glob("*.tmp"))


def test_an_unwritable_place_builds_the_glossary_in_memory(built, tmp_path, monkeypatch):
    # The fallback is what is under test here; the build it calls is the one the stored glossary came from
    # (build() writes into whichever connection it is given), so it copies that build instead of repeating it.
    (stored,) = built.glob("jmdict-*.sqlite")
    targets: list[sqlite3.Connection] = []

    def copy_of_the_build(source, target: sqlite3.Connection) -> None:
        targets.append(target)
        db = sqlite3.connect(f"file:{stored}?mode=ro", uri=True)
        try:
            db.backup(target)
        finally:
            db.close()

    monkeypatch.setattr(bilingual, "build", copy_of_the_build)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert "侮辱" in load(blocker / "glossary").japanese_for("insult")
    assert len(targets) == 1 and not list(tmp_path.glob("**/*.sqlite"))


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
