"""The multilingual side index (rag/index/crosslingual.py): which chunks get e5 vectors, that ingest and
removal keep them in step with the index, and that an English question reaches a Japanese-only law by
meaning through them."""
from __future__ import annotations

import dataclasses

from rag.core.types import Chunk
from rag.index.crosslingual import CrosslingualIndex, needing_vectors


def _chunk(law_id: str, language: str, n: int) -> Chunk:
    return Chunk(chunk_id=f"{law_id}-{language}-{n}", doc_id=f"{law_id}-{language}", law_id=law_id, text="x", body="x",
                 language=language, jurisdiction="JP", article=str(n), seq=n)


def test_what_gets_multilingual_vectors_is_what_the_other_language_cannot_reach():
    docs = [{"doc_id": "a-ja", "law_id": "a", "language": "ja"}, {"doc_id": "a-en", "law_id": "a", "language": "en"},
            {"doc_id": "b-ja", "law_id": "b", "language": "ja"}, {"doc_id": "c-en", "law_id": "c", "language": "en"}]
    long = "Article 1 Scope | " + "word " * 200
    chunks = [_chunk("a", "ja", 1), _chunk("a", "en", 1), _chunk("b", "ja", 1), _chunk("b", "ja", 2),
              dataclasses.replace(_chunk("c", "en", 1), text=long),
              dataclasses.replace(_chunk("c", "en", 1), chunk_id="c-en-1b", seq=2),  # the same article, again
              dataclasses.replace(_chunk("c", "en", 2), unit_kind="recital")]
    got = {c.chunk_id: text for c, text in needing_vectors(chunks, docs)}
    # "a" has both languages, so each language's questions read its own text. "b" has no English text: its
    # chunks whole, for English questions. "c" has only English: each article's opening once (no recitals),
    # for questions in other languages.
    assert sorted(got) == ["b-ja-1", "b-ja-2", "c-en-1"]
    assert got["b-ja-1"] == "x" and got["c-en-1"] == long[:400]


def test_ingest_and_removal_keep_the_vectors_in_step(tmp_path, corpus_dir):
    from ingest.indexer import Indexer
    from ingest.sources import default_items
    from rag.index.store import ChunkStore
    from tests.conftest import build_index

    # The AI Promotion Act in Japanese alone has no English text here, so its chunks need vectors; the
    # English-only SB 1001 needs one opening per section.
    settings = build_index(tmp_path / "data", corpus_dir, ["jp-ai-promotion-act-ja", "us-ca-sb1001"])
    store = ChunkStore(settings)
    xl = CrosslingualIndex(store)
    chunks = store.all_chunks()
    ja = sorted(c.chunk_id for c in chunks if c.doc_id == "jp-ai-promotion-act-ja")
    sections = {c.article for c in chunks if c.doc_id == "us-ca-sb1001" and c.unit_kind == "section"}
    stored = xl._stored()
    assert sorted(cid for cid in stored if cid.startswith("jp-")) == ja
    assert len(stored) == len(ja) + len(sections)

    # A second ingest embeds nothing again; once the English translation joins, the law has both texts and
    # its Japanese vectors go; removing a document removes its vectors.
    assert xl.refresh(chunks, store.documents()) == {"embedded": 0, "deleted": 0}
    items = {m.doc_id: (p, m) for p, m in default_items(settings)[0]}
    assert Indexer(settings, progress=False).ingest([items["jp-ai-promotion-act-ja"]]).multilingual == 0
    Indexer(settings, progress=False).ingest([items["jp-ai-promotion-act-en"]])
    assert not any(cid.startswith("jp-") for cid in xl._stored())
    Indexer(settings, progress=False).remove("us-ca-sb1001")
    assert xl._stored() == {}


def test_an_english_story_reaches_the_japanese_only_penal_code_by_meaning(small_index_factory):
    from rag.assistant import Assistant
    from rag.index.store import ChunkStore

    settings = small_index_factory(["jp-penal-code-ja"])  # the same index as tests/test_bilingual.py's
    penal = [c.chunk_id for c in ChunkStore(settings).all_chunks()]
    assert sorted(CrosslingualIndex(ChunkStore(settings))._stored()) == sorted(penal)
    # The arson article (108) is among the multilingual candidates and among the hits; with the side index
    # switched off it is not found that way.
    asst = Assistant.from_settings(settings)
    question = "A man set fire to an occupied apartment building. What is the punishment in Japan?"
    scope = asst.understand(question, None, asst.documents())
    hits = {h.chunk.article: h for h in asst.retriever.search(question, scope, k=6)}
    assert "108" in hits and "crosslingual" in hits["108"].ranks, {a: h.ranks for a, h in hits.items()}
    off = Assistant.from_settings(dataclasses.replace(settings, crosslingual_embedder="none"))
    assert not any("crosslingual" in h.ranks for h in off.retriever.search(question, scope, k=6))


def test_a_japanese_question_reaches_an_english_only_law_through_its_article_openings(small_index_factory):
    from rag.assistant import Assistant
    from rag.index.store import ChunkStore

    settings = small_index_factory(["us-ca-sb243"])
    store = ChunkStore(settings)
    stored = CrosslingualIndex(store)._stored()
    articles = {(c.unit_kind, c.article) for c in store.all_chunks() if c.unit_kind in ("article", "section", "annex")}
    assert len(stored) == len(articles)  # one opening per section, not every chunk

    # "If a companion chatbot operator harms a user, how much can the user claim in court?": the section on
    # civil actions (22605) is found from the Japanese words by meaning; no English word is in the question.
    asst = Assistant.from_settings(settings)
    question = "カリフォルニアのコンパニオン・チャットボットの運営者のせいで損害を受けた利用者は、裁判でいくら請求できますか？"
    scope = asst.understand(question, None, asst.documents())
    hits = {h.chunk.article: h for h in asst.retriever.search(question, scope, k=6)}
    assert "22605" in hits and "crosslingual" in hits["22605"].ranks, {a: h.ranks for a, h in hits.items()}
