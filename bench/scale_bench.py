"""Scale curve: retrieval latency and memory at 1k, 10k and 100k chunks, embedded and server mode.

Synthetic chunks are built from the real corpus: each copies a real chunk's text
(tagged with a copy number) and its real embedding plus small Gaussian noise,
renormalised. That keeps the vector distribution realistic without running the
embedding model 100k times (the point is Chroma's and BM25's scaling, not MiniLM's).
"""
from __future__ import annotations

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


def _bm25_curve(texts, sizes, rng) -> list[dict]:
    import bm25s

    from rag.core.text import tokenize

    rows = []
    for size in sizes:
        docs = [texts[j] for j in rng.integers(0, len(texts), size)]
        t = time.perf_counter()
        retriever = bm25s.BM25()
        retriever.index([tokenize(d) for d in docs], show_progress=False)
        build = time.perf_counter() - t
        lat = []
        for q in QUERIES * 3:
            t = time.perf_counter()
            retriever.retrieve([tokenize(q)], k=30, show_progress=False)
            lat.append(time.perf_counter() - t)
        rows.append({"chunks": size, "build_seconds": round(build, 2), "query": percentiles(lat)})
    return rows


def run(sizes=(1_000, 10_000, 100_000), server: bool = True, out_dir: Path | None = None) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from rag.core.settings import Settings
    from rag.index.embeddings import get_embedder

    settings = Settings.from_env()
    texts, vecs = _base(settings)
    qvecs = np.asarray(get_embedder(settings).embed_documents(QUERIES), dtype=np.float32)
    rng = np.random.default_rng(7)
    result: dict = {"base_chunks": len(texts), "sizes": list(sizes)}
    tmp = Path(tempfile.mkdtemp(prefix="regqa-bench-scale-"))
    try:
        client = chromadb.PersistentClient(str(tmp / "embedded"), settings=ChromaSettings(anonymized_telemetry=False))
        result["embedded"] = _curve(client, texts, vecs, qvecs, sizes, current_rss_mb, rng)
        result["embedded_disk_mb"] = dir_size_mb(tmp / "embedded")
        if server:
            from bench.chroma_server import chroma_server

            with chroma_server(tmp / "server") as srv:
                host, port = srv.url.rsplit("//", 1)[1].split(":")
                http = chromadb.HttpClient(host=host, port=int(port),
                                           settings=ChromaSettings(anonymized_telemetry=False))
                result["server"] = _curve(http, texts, vecs, qvecs, sizes, lambda: _server_rss_mb(srv.pid), rng)
        result["bm25"] = _bm25_curve(texts, sizes, rng)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = []
    for mode in ("embedded", "server"):
        for r in result.get(mode, []):
            rows.append([mode, r["chunks"], r["add_seconds"], round(r["query"]["p50"] * 1000, 1),
                         round(r["query"]["p95"] * 1000, 1), round(r["query_filtered"]["p50"] * 1000, 1), r["rss_mb"]])
    for r in result["bm25"]:
        rows.append(["bm25 (in-process)", r["chunks"], r["build_seconds"], round(r["query"]["p50"] * 1000, 1),
                     round(r["query"]["p95"] * 1000, 1), "", ""])
    print_table("scale: dense top-30 query latency and memory", ["mode", "chunks", "add/build s", "p50 ms",
                                                                 "p95 ms", "filtered p50 ms", "RSS MB"], rows)
    write_result("scale", result, out_dir)
    return result
