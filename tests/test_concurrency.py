"""Concurrency and crashes: two ingests at once, queries during an ingest (embedded and server mode),
SIGKILL mid-ingest."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from ingest.indexer import Indexer
from ingest.sources import collect
from rag.index.store import ChunkStore

ARTICLE = "Article {n} Records\nThe operator of register {d} shall keep record {n} of each decision for {n} years.\n\n"


def _docs(folder: Path, n_docs: int, n_articles: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(n_docs):
        (folder / f"{folder.name}{d:02}.txt").write_text("".join(ARTICLE.format(n=i + 1, d=d) for i in range(n_articles)),
                                               encoding="utf-8")
    return folder


def _start(data: Path, *args, env_extra: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "REGQA_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", "REGQA_CHROMA_URL": "",
           "REGQA_EMBED_BATCH": "16", **(env_extra or {})}
    return subprocess.Popen([str(Path(sys.executable).parent / "regqa"), "ingest", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _assert_consistent(store: ChunkStore) -> int:
    docs = store.documents()
    chunks = store.chunks.get(include=["metadatas"])
    live = store.active_hashes()
    per_doc = Counter(m["doc_id"] for m in chunks["metadatas"] if live.get(m["doc_id"]) == m["file_hash"])
    assert len(set(chunks["ids"])) == len(chunks["ids"])
    for d in docs:
        assert per_doc[d["doc_id"]] == int(d["chunks"]), d["doc_id"]  # each document exactly once, complete
    seqs = Counter((m["doc_id"], m["seq"]) for m in chunks["metadatas"] if live.get(m["doc_id"]) == m["file_hash"])
    assert max(seqs.values(), default=1) == 1  # no duplicated chunk
    return sum(per_doc.values())


@pytest.mark.index  # ingests real text through `regqa ingest` processes: a real Chroma index
def test_two_ingests_at_once_do_not_corrupt_or_duplicate(tmp_path, tmp_settings):
    docs = _docs(tmp_path / "docs", 6, 12)
    data = tmp_path / "data"
    a, b = _start(data, str(docs), "--json", "--no-progress"), _start(data, str(docs), "--json", "--no-progress")
    outs = [p.communicate(timeout=900) for p in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, [o[1][-2000:] for o in outs]
    reports = [json.loads(o[0]) for o in outs]
    assert sorted(r["totals"]["unchanged"] for r in reports) == [0, 6]  # the lock made the second one a no-op
    store = ChunkStore(tmp_settings.with_(data_dir=data))
    assert len(store.documents()) == 6
    assert _assert_consistent(store) == reports[0]["totals"]["chunks"]


def _query_while(running, store) -> int:
    answered = 0
    while running():
        hits = store.dense_search("how long must the operator keep records?", 3)
        assert hits and all(c.body for c, _ in hits)  # live chunks are never crowded out by half-ingested ones
        answered += 1
        time.sleep(0.2)
    return answered


def test_queries_keep_working_while_an_ingest_runs_in_process(tmp_path, tmp_settings):
    """Embedded mode: Chroma's embedded client belongs to one process, so the app ingests uploads in its own
    process (a thread) while it keeps answering. Several processes need server mode (next test)."""
    seed = _docs(tmp_path / "seed", 1, 5)
    assert Indexer(tmp_settings, progress=False).ingest(collect([seed], tmp_settings)[0]).ok
    store = ChunkStore(tmp_settings)
    items = collect([_docs(tmp_path / "more", 12, 30)], tmp_settings)[0]
    result = {}
    worker = threading.Thread(target=lambda: result.update(r=Indexer(tmp_settings, progress=False).ingest(items)))
    worker.start()
    answered = _query_while(worker.is_alive, store)
    worker.join()
    assert result["r"].ok and answered >= 3
    assert len(store.documents()) == 13 and _assert_consistent(store) > 0


def test_queries_keep_working_while_another_process_ingests_into_a_server(tmp_path, tmp_settings):
    from bench.chroma_server import chroma_server

    with chroma_server(tmp_path / "server") as server:
        settings = tmp_settings.with_(chroma_url=server.url)
        seed = _docs(tmp_path / "seed", 1, 5)
        assert Indexer(settings, progress=False).ingest(collect([seed], settings)[0]).ok
        proc = _start(tmp_path / "data", str(_docs(tmp_path / "more", 12, 30)), "--no-progress",
                      env_extra={"REGQA_CHROMA_URL": server.url})
        answered = _query_while(lambda: proc.poll() is None, ChunkStore(settings))
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
        assert answered >= 3
        store = ChunkStore(settings)
        assert len(store.documents()) == 13 and _assert_consistent(store) > 0


@pytest.mark.index  # ingests real text through `regqa ingest` processes: a real Chroma index
def test_sigkill_mid_ingest_leaves_a_consistent_index_that_the_next_ingest_completes(tmp_path, tmp_settings):
    docs = _docs(tmp_path / "docs", 10, 40)
    data = tmp_path / "data"
    proc = _start(data, str(docs))  # with the progress bar on stderr, to see when embedding is under way
    seen = []

    def watch():
        buf = ""
        while True:
            ch = proc.stderr.read(1)
            if not ch:
                return
            buf += ch
            m = re.findall(r"(\d+)/(\d+)", buf[-200:])
            if m and int(m[-1][0]) >= 150:
                seen.append(int(m[-1][0]))
                return

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    t.join(timeout=600)
    assert seen, "the ingest never got under way"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    store = ChunkStore(tmp_settings.with_(data_dir=data))
    _assert_consistent(store)  # committed documents are whole; half-written ones are invisible
    again = _start(data, str(docs), "--json", "--no-progress")
    out, err = again.communicate(timeout=900)
    assert again.returncode == 0, err[-2000:]
    report = json.loads(out)
    total = report["totals"]["chunks"]
    assert report["totals"]["documents"] == 10
    assert report["totals"]["embedded"] < total  # chunks written before the kill were reused, not re-embedded
    store = ChunkStore(tmp_settings.with_(data_dir=data))
    assert _assert_consistent(store) == total
    store.drop_orphans()
    assert store.chunks.count() == total  # nothing left over from the killed run
