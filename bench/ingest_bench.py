"""Ingestion benchmark: the whole default corpus from empty, then again with no change.

Reports seconds, chunks per second, peak RSS, index size on disk and chunks per document; then
the embedder alone on the same chunk texts, in the same process right after, and the ratio of
the whole ingest to it (what parsing, splitting and Chroma add). The machine's load average is
recorded before and after: on a shared 2-core machine it changes the figures more than any code; so
is this process's CPU time (all its threads) for the ingest and for the embedding alone, which moves
far less with the load and so compares runs made at different loads.
The embedder's model is loaded (and its ONNX file built, if new) before the clock starts.
Runs in a fresh temporary data directory unless a data dir is given.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import dir_size_mb, peak_rss_mb, print_table, write_result


def run(data_dir: Path | None = None, chroma_url: str = "", out_dir: Path | None = None) -> dict:
    from ingest.indexer import Indexer
    from ingest.sources import default_items
    from rag.core.settings import Settings

    tmp = None
    if data_dir is None:
        tmp = Path(tempfile.mkdtemp(prefix="regqa-bench-ingest-"))
        data_dir = tmp
    elif (data_dir / "chroma").exists():
        raise SystemExit(f"error: {data_dir} already holds an index; the bench ingests from empty")
    settings = Settings.from_env(data_dir=data_dir, chroma_url=chroma_url)
    items, missing = default_items(settings)
    load_before = os.getloadavg()
    try:
        indexer = Indexer(settings, progress=True)
        embedder = indexer.store.embedder
        t0 = time.perf_counter()
        getattr(embedder, "warm", lambda: None)()
        t_load = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        first = indexer.ingest(items, missing=missing)
        t_first, c_first = time.perf_counter() - t0, time.process_time() - c0
        load_mid = os.getloadavg()
        rss_first = peak_rss_mb()
        t0 = time.perf_counter()
        second = Indexer(settings, progress=False).ingest(items, missing=missing)
        t_second = time.perf_counter() - t0
        # The embedder alone on exactly the texts the ingest embedded, in the batches it used.
        texts = indexer.store.chunks.get(include=["documents"])["documents"] or []
        batch = max(1, settings.embed_batch)
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), batch):
            embedder.embed_documents(texts[i:i + batch])
        t_embed, c_embed = time.perf_counter() - t0, time.process_time() - c0
        tot = first.totals()
        result = {
            "mode": "server" if chroma_url else "embedded",
            "embedder": settings.embedder, "embed_backend": settings.embed_backend,
            "embed_threads": settings.embed_threads, "embed_spin": settings.embed_spin,
            "embed_batch": settings.embed_batch,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
            "documents": tot["documents"], "units": tot["units"], "chunks": tot["chunks"],
            "errors": [r.error for r in first.errors] + first.missing,
            "model_load_seconds": round(t_load, 2),
            "first_seconds": round(t_first, 2),
            "chunks_per_second": round(tot["chunks"] / t_first, 1) if t_first else 0.0,
            "embed_only_seconds": round(t_embed, 2), "embed_only_texts": len(texts),
            "embed_only_chunks_per_second": round(len(texts) / t_embed, 1) if t_embed else 0.0,
            "ingest_to_embed_ratio": round(t_first / t_embed, 2) if t_embed else 0.0,
            "first_cpu_seconds": round(c_first, 1), "embed_only_cpu_seconds": round(c_embed, 1),
            "load_before": load_before, "load_after_ingest": load_mid, "load_after": os.getloadavg(),
            "peak_rss_mb": rss_first,
            "second_seconds": round(t_second, 2), "second_embedded": second.totals()["embedded"],
            "index_mb": dir_size_mb(settings.chroma_dir),
            "per_document": {r.doc_id: {"chunks": r.chunks, "units": r.units, "seconds": round(r.seconds, 2)}
                             for r in first.results if r.status != "failed"},
        }
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    load = " -> ".join(f"{x[0]:.2f}" for x in (result["load_before"], result["load_after_ingest"], result["load_after"]))
    print_table(f"ingest: whole default corpus ({result['embedder']}, {result['embed_backend']}, {result['embed_batch']} "
                f"texts per embedder call; load average {load})",
                ["measure", "value"], [
        ["documents / units / chunks", f"{result['documents']} / {result['units']} / {result['chunks']}"],
        ["model load before the clock (s)", result["model_load_seconds"]],
        ["from empty (s)", result["first_seconds"]], ["chunks per second", result["chunks_per_second"]],
        ["embedding alone, same texts (s)", result["embed_only_seconds"]],
        ["embedding alone, chunks per second", result["embed_only_chunks_per_second"]],
        ["whole ingest / embedding alone", result["ingest_to_embed_ratio"]],
        ["CPU time: ingest / embedding alone (s)", f"{result['first_cpu_seconds']} / {result['embed_only_cpu_seconds']}"],
        ["peak RSS (MB)", result["peak_rss_mb"]], ["second run, no change (s)", result["second_seconds"]],
        ["re-embedded on second run", result["second_embedded"]], ["index on disk (MB)", result["index_mb"]],
        ["errors", len(result["errors"])]])
    print_table("chunks per document", ["doc_id", "units", "chunks", "seconds"],
                [[d, ", ".join(f"{v} {k}" for k, v in r["units"].items()), r["chunks"], r["seconds"]]
                 for d, r in result["per_document"].items()])
    write_result("ingest", result, out_dir)
    return result
