"""Scale curve: retrieval latency and memory at 1k, 10k and 100k chunks, embedded and server mode.

Synthetic chunks are built from the real corpus: each copies a real chunk's text
(tagged with a copy number) and its real embedding plus small Gaussian noise,
renormalised. That keeps the vector distribution realistic without running the
embedding model 100k times (the point is Chroma's and BM25's scaling, not MiniLM's).
The lexical curve measures the BM25 index regqa ships (rag/index/bm25.py), built, persisted
(rag/index/lexical.py) and then loaded in a fresh process, as an app process starts.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import current_rss_mb, dir_size_mb, percentiles, print_table, write_result

QUERIES = [
    "what penalties does Japan's AI law carry?", "fines for prohibited AI practices",
    "right to erasure of personal data", "who chairs the AI Strategy Headquarters",
    "transparency obligations for providers of generative AI", "data breach notification deadline",
    "high-risk AI system definition", "consumer rights under the Colorado AI act",
    "latent disclosure in AI-generated content", "obligations of very large online platforms",
]
BATCH = 4000  # below Chroma's maximum batch size


def _base(settings) -> tuple[list[str], np.ndarray]:
    from rag.index.store import ChunkStore

    store = ChunkStore(settings)
    got = store.chunks.get(include=["documents", "embeddings"], limit=5000)
    if not got["ids"]:
        raise SystemExit("the index is empty: run `regqa ingest` first (the scale test copies real chunks)")
    return got["documents"], np.asarray(got["embeddings"], dtype=np.float32)


def _server_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _curve(client, texts, vecs, qvecs, sizes, rss, rng) -> list[dict]:
    col = client.get_or_create_collection("scale", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    rows, n = [], 0
    for size in sizes:
        t_add = time.perf_counter()
        while n < size:
            m = min(BATCH, size - n)
            idx = rng.integers(0, len(texts), m)
            emb = vecs[idx] + rng.normal(0, 0.03, (m, vecs.shape[1])).astype(np.float32)
            emb /= np.linalg.norm(emb, axis=1, keepdims=True)
            col.add(ids=[f"s{n + i}" for i in range(m)], embeddings=emb.tolist(),
                    documents=[f"{texts[j]} [copy {n + i}]" for i, j in enumerate(idx)],
                    metadatas=[{"law_id": f"law-{j % 40}"} for j in idx])
            n += m
        add_s = time.perf_counter() - t_add
        lat, lat_f = [], []
        for _ in range(3):
            for q in qvecs:
                t = time.perf_counter()
                col.query(query_embeddings=[q.tolist()], n_results=30)
                lat.append(time.perf_counter() - t)
                t = time.perf_counter()
                col.query(query_embeddings=[q.tolist()], n_results=30, where={"law_id": "law-7"})
                lat_f.append(time.perf_counter() - t)
        rows.append({"chunks": size, "add_seconds": round(add_s, 2), "query": percentiles(lat),
                     "query_filtered": percentiles(lat_f), "rss_mb": rss()})
    return rows


_LOAD_PROBE = """
import json, sys, time
from pathlib import Path
def rss():
    f = {l.split(":")[0]: int(l.split()[1]) for l in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]}
    return f["Rss"] / 1024, (f["Private_Clean"] + f["Private_Dirty"]) / 1024
import numpy
from rag.index import lexical
from rag.index.bm25 import BM25Index
base = rss()
t = time.perf_counter()
idx = lexical.load(Path(sys.argv[1]), sys.argv[2])
load = time.perf_counter() - t
after = rss()
lat, lat_f = [], []
for q in json.loads(sys.argv[3]) * 3:
    t = time.perf_counter(); idx.search(q, k=30); lat.append(time.perf_counter() - t)
    t = time.perf_counter(); idx.search(q, k=30, allow=lambda c: c.law_id == "law-7"); lat_f.append(time.perf_counter() - t)
end = rss()
print(json.dumps({"load": load, "rss_mb": end[0] - base[0], "private_mb": end[1] - base[1], "lat": lat, "lat_f": lat_f}))
"""


def _lexical_curve(texts, sizes, rng, tmp: Path) -> list[dict]:
    """The lexical index the app uses (rag/index/bm25.py), as shipped: built, persisted by
    rag/index/lexical.py, then loaded and queried in a fresh process (memory is that process's)."""
    import json
    import os
    import subprocess
    import sys

    from rag.core.types import Chunk
    from rag.index import lexical
    from rag.index.bm25 import BM25Index

    rows = []
    for size in sizes:
        picks = rng.integers(0, len(texts), size)
        chunks = [Chunk(chunk_id=f"s{n}", doc_id=f"law-{j % 40}", law_id=f"law-{j % 40}", text=f"{texts[j]} [copy {n}]",
                        body=texts[j], seq=n) for n, j in enumerate(picks.tolist())]
        t = time.perf_counter()
        idx = BM25Index(chunks)
        build = time.perf_counter() - t
        path = tmp / "lexical" / f"scale.{size}.bm25"
        t = time.perf_counter()
        lexical.save(idx, path, key=f"scale-{size}", version="")
        save = time.perf_counter() - t
        del idx, chunks
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                           os.environ.get("PYTHONPATH", "")])}
        # Twice: the first load reads the file from disk (or the page cache of the write), the second is
        # what a restart on a warm machine sees.
        probes = []
        for _ in range(2):
            p = subprocess.run([sys.executable, "-c", _LOAD_PROBE, str(path), f"scale-{size}", json.dumps(QUERIES)],
                               env=env, capture_output=True, text=True, timeout=3600)
            if p.returncode != 0:
                raise SystemExit(f"loading the lexical index failed: {p.stderr[-1000:]}")
            probes.append(json.loads(p.stdout.strip().splitlines()[-1]))
        got = probes[-1]
        rows.append({"chunks": size, "build_seconds": round(build, 2), "save_seconds": round(save, 2),
                     "file_mb": round(path.stat().st_size / 2**20, 1), "load_seconds": round(got["load"], 3),
                     "first_load_seconds": round(probes[0]["load"], 3), "query": percentiles(got["lat"]),
                     "query_filtered": percentiles(got["lat_f"]), "rss_mb": round(got["rss_mb"], 1),
                     "private_mb": round(got["private_mb"], 1)})
        path.unlink()
    return rows


def run(sizes=(1_000, 10_000, 100_000), server: bool = True, out_dir: Path | None = None, dense: bool = True,
        lexical_sizes=None) -> dict:
    """``dense=False``: the lexical curve only; ``lexical_sizes``: its sizes when not ``sizes`` (1M fits the
    lexical index in minutes, the dense curve in far more)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from rag.core.settings import Settings
    from rag.index.embeddings import get_embedder

    settings = Settings.from_env()
    texts, vecs = _base(settings)
    rng = np.random.default_rng(7)
    result: dict = {"base_chunks": len(texts), "sizes": list(sizes), "load_before": os.getloadavg()}
    tmp = Path(tempfile.mkdtemp(prefix="regqa-bench-scale-"))
    try:
        if dense:
            qvecs = np.asarray(get_embedder(settings).embed_documents(QUERIES), dtype=np.float32)
            client = chromadb.PersistentClient(str(tmp / "embedded"),
                                               settings=ChromaSettings(anonymized_telemetry=False))
            result["embedded"] = _curve(client, texts, vecs, qvecs, sizes, current_rss_mb, rng)
            result["embedded_disk_mb"] = dir_size_mb(tmp / "embedded")
        if dense and server:
            from bench.chroma_server import chroma_server

            with chroma_server(tmp / "server") as srv:
                host, port = srv.url.rsplit("//", 1)[1].split(":")
                http = chromadb.HttpClient(host=host, port=int(port),
                                           settings=ChromaSettings(anonymized_telemetry=False))
                result["server"] = _curve(http, texts, vecs, qvecs, sizes, lambda: _server_rss_mb(srv.pid), rng)
        result["bm25"] = _lexical_curve(texts, lexical_sizes or sizes, rng, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    for mode in ("embedded", "server"):
        for r in result.get(mode, []):
            rows.append([mode, r["chunks"], r["add_seconds"], round(r["query"]["p50"] * 1000, 1),
                         round(r["query"]["p95"] * 1000, 1), round(r["query_filtered"]["p50"] * 1000, 1), r["rss_mb"]])
    for r in result["bm25"]:
        rows.append([f"bm25 (persisted, load {r['load_seconds']} s, {r['file_mb']} MB file)", r["chunks"],
                     r["build_seconds"], round(r["query"]["p50"] * 1000, 1), round(r["query"]["p95"] * 1000, 1),
                     round(r["query_filtered"]["p50"] * 1000, 1), f"{r['rss_mb']} ({r['private_mb']} private)"])
    result["load_after"] = os.getloadavg()
    print_table("scale: dense top-30 query latency and memory", ["mode", "chunks", "add/build s", "p50 ms",
                                                                 "p95 ms", "filtered p50 ms", "RSS MB"], rows)
    write_result("scale", result, out_dir)
    return result
