"""The persisted BM25 index (rag/index/lexical.py): identical results to the former in-memory index,
reused by a second process, rebuilt after `regqa ingest` and `regqa remove`, after a registry change,
and when the file is corrupted or truncated; a read-only data dir still answers."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from rag.core.text import tokenize
from rag.index import lexical
from rag.index.bm25 import BM25Index
from rag.index.lexical import index_for
from rag.index.store import ChunkStore

MULTILINGUAL = ["jp-ai-promotion-act-ja", "jp-ai-promotion-act-en", "kr-ai-basic-act-ko", "eu-ai-act"]
QUERIES = [
    # English
    "what penalties does the AI Act set for prohibited practices", "administrative fines", "high-risk AI system",
    "transparency obligations for providers of general-purpose AI models", "article 99", "market surveillance",
    "definitions of provider and deployer", "the AI Office", "penalty penalties fines fine", "risk management",
    "national competent authorities", "artificial intelligence basic plan", "headquarters chief",
    # Japanese
    "人工知能関連技術の研究開発", "罰則", "人工知能戦略本部の本部長", "国の責務", "事業者の責務", "第十六条",
    "情報の提供その他の必要な措置", "基本計画", "副本部長", "研究開発の推進",
    # Korean
    "인공지능 기본법", "고영향 인공지능", "과태료", "인공지능사업자의 책무", "국가인공지능위원회", "투명성 확보 의무",
    "생성형 인공지능", "제31조", "벌칙",
    # none of the indexed words, and empty
    "zzzz qqqq", "",
]


class ReferenceBM25:
    """The pure-Python BM25 index as it was before persistence (verbatim), the standard to match."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.lengths: list[int] = []
        for i, c in enumerate(chunks):
            toks = tokenize(c.text)
            self.lengths.append(len(toks))
            for term, tf in Counter(toks).items():
                self.postings.setdefault(term, []).append((i, tf))
        n = len(chunks)
        self.avgdl = (sum(self.lengths) / n) if n else 0.0
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def search(self, query, k=30, allow=None, weights=None):
        terms = tokenize(query) if isinstance(query, str) else list(query)
        if not terms or not self.chunks:
            return []
        qtf = Counter(terms)
        scores: dict[int, float] = {}
        allowed: dict[int, bool] = {}
        for term, qn in qtf.items():
            plist = self.postings.get(term)
            if not plist:
                continue
            w = self.idf[term] * (weights or {}).get(term, 1.0) * (1 + 0.2 * (qn - 1))
            for i, tf in plist:
                ok = allowed.get(i)
                if ok is None:
                    ok = allowed[i] = allow(self.chunks[i]) if allow else True
                if not ok:
                    continue
                dl = self.lengths[i]
                scores[i] = scores.get(i, 0.0) + w * tf * (1.2 + 1) / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / (self.avgdl or 1)))
        top = sorted(scores.items(), key=lambda t: -t[1])[:k]
        return [(self.chunks[i], s) for i, s in top]


def _fresh_process_cache():
    lexical._CACHE.clear()
    for k in lexical.STATS:
        lexical.STATS[k] = 0


def _files(settings) -> list[Path]:
    return sorted((settings.data_dir / "lexical").glob("*.bm25"))


def _doc(folder: Path, name: str, n: int, word: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text("".join(f"Article {i} {word.title()}\nThe {word} operator shall keep record {i} of each {word} "
                         f"decision for {i} years.\n\n" for i in range(1, n + 1)), encoding="utf-8")
    return p


def _ingest(settings, *paths: Path):
    _fresh_process_cache()
    from ingest.indexer import Indexer
    from ingest.sources import collect

    items, missing = collect(list(paths), settings, jurisdiction="EU")
    report = Indexer(settings, progress=False).ingest(items, missing=missing)
    assert report.ok, [r.error for r in report.results]


def _regqa(settings, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "REGQA_DATA_DIR": str(settings.data_dir), "REGQA_CHROMA_URL": "", "HF_HUB_OFFLINE": "1"}
    p = subprocess.run([str(Path(sys.executable).parent / "regqa"), *args], env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    return p


_PROBE = """
import json, sys
from rag.core.settings import Settings
from rag.index import lexical
from rag.index.lexical import index_for
from rag.index.store import ChunkStore
idx = index_for(ChunkStore(Settings.from_env()))
print(json.dumps({"stats": lexical.STATS, "docs": sorted({c.doc_id for c in idx.chunks}), "chunks": len(idx),
                  "top": [[c.chunk_id, s] for c, s in idx.search(sys.argv[1], k=5)]}))
"""


def _probe(settings, query: str = "record decision") -> dict:
    """What a second process does at start: obtain the index (and says whether it loaded or built it)."""
    env = {**os.environ, "REGQA_DATA_DIR": str(settings.data_dir), "REGQA_CHROMA_URL": settings.chroma_url,
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-c", _PROBE, query], env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


# -- identical results --
@pytest.fixture(scope="module")
def multilingual(small_index_factory):
    return small_index_factory(MULTILINGUAL)


def test_results_identical_to_the_former_index_in_memory_and_persisted(multilingual):
    store = ChunkStore(multilingual)
    chunks = store.all_chunks()
    assert {c.language for c in chunks} >= {"en", "ja", "ko"}
    reference, built = ReferenceBM25(chunks), BM25Index(chunks)
    _fresh_process_cache()
    index_for(store)  # persisted by the ingest already, or now
    _fresh_process_cache()
    loaded = index_for(store)
    assert lexical.STATS["loaded"] == 1 and lexical.STATS["built"] == 0
    assert [c.chunk_id for c in loaded.chunks] == [c.chunk_id for c in chunks]
    assert loaded.chunks == chunks  # every field the retriever reads comes back as stored
    filters = [None, lambda c: c.law_id == "jp-ai-promotion-act", lambda c: c.language != "en",
               lambda c: c.seq % 3 == 0]
    weights = [None, {"罰則": 0.4, "fine": 0.3, "과태": 0.5, "penalti": 2.0}]
    compared = 0
    for q in QUERIES:
        for allow in filters:
            for w in weights:
                for k in (1, 5, 30, 10_000):
                    want = [(c.chunk_id, s) for c, s in reference.search(q, k, allow, w)]
                    assert [(c.chunk_id, s) for c, s in built.search(q, k, allow, w)] == want, (q, k)
                    assert [(c.chunk_id, s) for c, s in loaded.search(q, k, allow, w)] == want, (q, k)
                    compared += bool(want)
        # a pre-tokenised query with repeated terms (the retriever passes lists)
        terms = tokenize(q) * 2
        assert [(c.chunk_id, s) for c, s in loaded.search(terms)] == \
            [(c.chunk_id, s) for c, s in reference.search(terms)]
    assert compared > 500


def test_an_update_reusing_unchanged_chunks_equals_a_fresh_build(multilingual):
    chunks = ChunkStore(multilingual).all_chunks()
    old = BM25Index(chunks[: len(chunks) // 2])
    updated = BM25Index(chunks, [old.counts()[i] if i < len(chunks) // 2 else list(Counter(tokenize(c.text)).items())
                                 for i, c in enumerate(chunks)])
    fresh = BM25Index(chunks)
    for q in QUERIES:
        assert [(c.chunk_id, s) for c, s in updated.search(q)] == [(c.chunk_id, s) for c, s in fresh.search(q)]


# -- reuse, rebuild --
@pytest.mark.index  # ingests real text (_ingest) and reads it back in other processes: a real Chroma index
def test_a_second_process_loads_the_index_ingest_persisted(tmp_path, tmp_settings):
    _ingest(tmp_settings, _doc(tmp_path / "docs", "records.txt", 12, "records"))
    assert len(_files(tmp_settings)) == 1  # written by the ingest, after its commit
    got = _probe(tmp_settings)
    assert got["stats"]["loaded"] == 1 and got["stats"]["built"] == 0, got["stats"]
    assert got["chunks"] > 0 and got["top"]
    # and what it loaded ranks exactly as an index built here from the store
    built = BM25Index(ChunkStore(tmp_settings).all_chunks())
    assert got["top"] == [[c.chunk_id, s] for c, s in built.search("record decision", k=5)]


@pytest.mark.index  # ingests real text (_ingest, then `regqa ingest` and `regqa remove`): a real Chroma index
def test_rebuilt_after_regqa_ingest_of_a_new_file_and_after_regqa_remove(tmp_path, tmp_settings):
    docs = tmp_path / "docs"
    _ingest(tmp_settings, _doc(docs, "records.txt", 8, "records"))
    first = _files(tmp_settings)
    before = _probe(tmp_settings, "licence")
    assert before["top"] == []

    _regqa(tmp_settings, "ingest", str(_doc(docs, "licences.txt", 5, "licence")), "--jurisdiction", "EU",
           "--no-progress")
    second = _files(tmp_settings)
    assert len(second) == 1 and second != first  # a new key; the stale file is gone
    after = _probe(tmp_settings, "licence")
    assert after["stats"] == {**after["stats"], "loaded": 1, "built": 0}
    assert len(after["docs"]) == 2 and after["top"]
    licence_doc = after["top"][0][0].split(":")[0]

    _regqa(tmp_settings, "remove", licence_doc)
    # The registry is as it was before the second file: the same key as the first file, rewritten.
    assert _files(tmp_settings) == first
    removed = _probe(tmp_settings, "licence")
    assert removed["stats"]["loaded"] == 1 and removed["stats"]["built"] == 0
    assert removed["docs"] == before["docs"] and removed["top"] == []


def test_the_registry_decides_what_the_file_holds(tmp_path, tmp_settings, caplog):
    """A chunk altered in Chroma is left out of the index (it fails the hash check); the repair by
    `regqa ingest --force` changes the registry, so the index is rebuilt with the genuine chunk."""
    path = _doc(tmp_path / "docs", "records.txt", 6, "records")
    _ingest(tmp_settings, path)
    store = ChunkStore(tmp_settings)
    victim = store.all_chunks()[2]
    got = store.chunks.get(ids=[victim.chunk_id], include=["embeddings"])
    store.chunks.update(ids=[victim.chunk_id], documents=[victim.text + " forged clause"],
                        embeddings=[list(got["embeddings"][0])])
    _fresh_process_cache()
    for f in _files(tmp_settings):
        f.unlink()
    assert victim.chunk_id not in {c.chunk_id for c in index_for(store).chunks}
    from ingest.indexer import Indexer
    from ingest.sources import collect

    items, _ = collect([path], tmp_settings, jurisdiction="EU")
    Indexer(tmp_settings, progress=False).ingest(items, force=True)
    got = _probe(tmp_settings)
    assert got["stats"]["built"] == 0
    assert got["chunks"] == len(ChunkStore(tmp_settings).all_chunks()) == 6


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "header"])
def test_a_damaged_file_is_detected_and_rebuilt(tmp_path, tmp_settings, caplog, damage):
    _ingest(tmp_settings, _doc(tmp_path / "docs", "records.txt", 10, "records"))
    store = ChunkStore(tmp_settings)
    want = [(c.chunk_id, s) for c, s in BM25Index(store.all_chunks()).search("record decision years")]
    [f] = _files(tmp_settings)
    data = bytearray(f.read_bytes())
    if damage == "flip":
        data[-100] ^= 0x01  # one bit in the chunks' text
    elif damage == "truncate":
        data = data[: len(data) - 1000]
    elif damage == "empty":
        data = bytearray()
    else:
        data[12:40] = b"x" * 28
    f.write_bytes(bytes(data))
    _fresh_process_cache()
    with caplog.at_level("WARNING", logger="rag.index.lexical"):
        idx = index_for(store)
    assert lexical.STATS["built"] == 1 and lexical.STATS["saved"] == 1, lexical.STATS
    assert (lexical.STATS["rejected"] == 1 and "not used" in caplog.text), caplog.text
    assert [(c.chunk_id, s) for c, s in idx.search("record decision years")] == want
    _fresh_process_cache()
    index_for(store)
    assert lexical.STATS["loaded"] == 1  # the rebuilt file is good again


def test_a_file_of_another_format_or_tokenizer_is_not_trusted(tmp_path, tmp_settings, monkeypatch):
    _ingest(tmp_settings, _doc(tmp_path / "docs", "records.txt", 4, "records"))
    _fresh_process_cache()
    monkeypatch.setattr(lexical, "FORMAT", lexical.FORMAT + 1)
    lexical._fingerprint.cache_clear()
    index_for(ChunkStore(tmp_settings))
    assert lexical.STATS["built"] == 1 and lexical.STATS["loaded"] == 0
    lexical._fingerprint.cache_clear()


def test_a_read_only_data_dir_still_works(tmp_path, tmp_settings, monkeypatch, caplog):
    _ingest(tmp_settings, _doc(tmp_path / "docs", "records.txt", 6, "records"))
    store = ChunkStore(tmp_settings)
    want = [(c.chunk_id, s) for c, s in BM25Index(store.all_chunks()).search("record decision")]

    def read_only(*a, **kw):
        raise OSError(30, "Read-only file system")

    # Root ignores permission bits, so the read-only file system is what tempfile reports on one.
    monkeypatch.setattr(lexical.tempfile, "mkstemp", read_only)
    _fresh_process_cache()
    assert [(c.chunk_id, s) for c, s in index_for(store).search("record decision")] == want
    assert lexical.STATS["loaded"] == 1  # the file written before is read without writing anything
    for f in _files(tmp_settings):
        f.unlink()
    _fresh_process_cache()
    with caplog.at_level("WARNING", logger="rag.index.lexical"):
        idx = index_for(store)
    assert [(c.chunk_id, s) for c, s in idx.search("record decision")] == want
    assert lexical.STATS["built"] == 1 and lexical.STATS["saved"] == 0
    assert "cannot persist" in caplog.text and not _files(tmp_settings)


@pytest.mark.index  # ingests real text (_ingest) and reads it back in other processes: a real Chroma index
def test_server_mode_replicas_share_the_file_of_a_shared_data_dir_or_build_their_own(tmp_path, tmp_settings):
    from bench.chroma_server import chroma_server

    with chroma_server(tmp_path / "server") as server:
        shared = tmp_settings.with_(chroma_url=server.url)
        _ingest(shared, _doc(tmp_path / "docs", "records.txt", 6, "records"))
        assert len(_files(shared)) == 1  # written by the ingest into its data dir
        replica = _probe(shared)  # a replica with the same data dir
        assert replica["stats"]["loaded"] == 1 and replica["stats"]["built"] == 0
        own = shared.with_(data_dir=tmp_path / "replica")  # a replica with a data dir of its own
        first, again = _probe(own), _probe(own)
        assert first["stats"]["built"] == 1 and first["stats"]["saved"] == 1
        assert again["stats"]["loaded"] == 1 and again["stats"]["built"] == 0
        assert first["top"] == again["top"] == replica["top"]
