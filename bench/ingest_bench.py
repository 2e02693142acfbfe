"""Ingestion benchmark: the whole default corpus from empty, then again with no change.

Reports seconds, chunks per second, peak RSS, index size on disk and chunks per
document. Runs in a fresh temporary data directory unless --data-dir is given.
"""
from __future__ import annotations

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
    settings = Settings.from_env(data_dir=data_dir, chroma_url=chroma_url)
    items, missing = default_items(settings)
    try:
        t0 = time.perf_counter()
        first = Indexer(settings, progress=True).ingest(items, missing=missing)
        t_first = time.perf_counter() - t0
        rss_first = peak_rss_mb()
        t0 = time.perf_counter()
        second = Indexer(settings, progress=False).ingest(items, missing=missing)
        t_second = time.perf_counter() - t0
        tot = first.totals()
        result = {
            "mode": "server" if chroma_url else "embedded",
            "documents": tot["documents"], "units": tot["units"], "chunks": tot["chunks"],
            "errors": [r.error for r in first.errors] + first.missing,
            "first_seconds": round(t_first, 2),
            "chunks_per_second": round(tot["chunks"] / t_first, 1) if t_first else 0.0,
            "peak_rss_mb": rss_first,
            "second_seconds": round(t_second, 2), "second_embedded": second.totals()["embedded"],
            "index_mb": dir_size_mb(settings.chroma_dir),
            "per_document": {r.doc_id: {"chunks": r.chunks, "units": r.units, "seconds": round(r.seconds, 2)}
                             for r in first.results if r.status != "failed"},
        }
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print_table("ingest: whole default corpus", ["measure", "value"], [
        ["documents / units / chunks", f"{result['documents']} / {result['units']} / {result['chunks']}"],
        ["from empty (s)", result["first_seconds"]], ["chunks per second", result["chunks_per_second"]],
        ["peak RSS (MB)", result["peak_rss_mb"]], ["second run, no change (s)", result["second_seconds"]],
        ["re-embedded on second run", result["second_embedded"]], ["index on disk (MB)", result["index_mb"]],
        ["errors", len(result["errors"])]])
    print_table("chunks per document", ["doc_id", "units", "chunks", "seconds"],
                [[d, ", ".join(f"{v} {k}" for k, v in r["units"].items()), r["chunks"], r["seconds"]]
                 for d, r in result["per_document"].items()])
    write_result("ingest", result, out_dir)
    return result
