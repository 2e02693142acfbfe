"""Embedder benchmark: MiniLM through torch, ONNX fp32 and ONNX int8, and ONNX with spinning threads,
on the same corpus chunk texts, in rounds that alternate the variants.

Why alternate: on a shared machine the load changes by the minute; one variant timed after another
measures the load as much as the code. Every variant runs once per round, in the same process, and
the table gives each one's median over the rounds with the load average before and after.
The texts are the first ``n`` chunks of the current index (REGQA_DATA_DIR), as ingest embedded them.
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from bench.common import print_table, write_result

VARIANTS = {  # label -> settings changes
    "torch (sentence-transformers)": {"embedder": "minilm", "embed_backend": "torch"},
    "onnx fp32": {"embedder": "minilm", "embed_backend": "onnx", "embed_spin": 0},
    "onnx fp32, spinning threads": {"embedder": "minilm", "embed_backend": "onnx", "embed_spin": 1},
    "onnx int8": {"embedder": "minilm-int8", "embed_spin": 0},
    "onnx int8, spinning threads": {"embedder": "minilm-int8", "embed_spin": 1},
}


def run(n: int = 512, rounds: int = 3, out_dir: Path | None = None) -> dict:
    from rag.core.settings import Settings
    from rag.index.embeddings import get_embedder
    from rag.index.store import ChunkStore

    settings = Settings.from_env()
    texts = ChunkStore(settings).chunks.get(limit=n, include=["documents"])["documents"] or []
    if not texts:
        raise SystemExit(f"error: the index in {settings.data_dir} is empty: run `regqa ingest` first")
    embedders = {label: get_embedder(settings.with_(**kw)) for label, kw in VARIANTS.items()}
    for e in embedders.values():  # load (and build) every model before any clock
        e.embed_documents(texts[:4])
    load_before = os.getloadavg()
    seconds: dict[str, list[float]] = {label: [] for label in embedders}
    batch = max(1, settings.embed_batch)
    for _ in range(rounds):
        for label, e in embedders.items():
            t = time.perf_counter()
            for i in range(0, len(texts), batch):
                e.embed_documents(texts[i:i + batch])
            seconds[label].append(time.perf_counter() - t)
    result = {"texts": len(texts), "rounds": rounds, "threads": settings.embed_threads,
              "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
              "load_before": load_before, "load_after": os.getloadavg(),
              "variants": {label: {"seconds": [round(s, 2) for s in v],
                                   "texts_per_second": round(len(texts) / statistics.median(v), 1)}
                           for label, v in seconds.items()}}
    load = f"load average {load_before[0]:.2f} -> {result['load_after'][0]:.2f}"
    base = result["variants"]["torch (sentence-transformers)"]["texts_per_second"]
    print_table(f"embedders on {len(texts)} chunk texts, median of {rounds} alternating rounds ({load})",
                ["variant", "texts per second", "vs torch"],
                [[label, v["texts_per_second"], f"{v['texts_per_second'] / base:.2f}x"]
                 for label, v in result["variants"].items()])
    write_result("embed", result, out_dir)
    return result
