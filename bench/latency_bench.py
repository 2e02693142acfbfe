"""Answer latency over the gold questions with a warm index: total, understanding,
retrieval and composition (p50/p95/max), using the answerer chosen in settings."""
from __future__ import annotations

import json
import time
from pathlib import Path

from bench.common import percentiles, print_table, write_result

GOLD = Path(__file__).resolve().parent.parent / "tests" / "eval" / "gold.jsonl"


def load_questions(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(questions_file: Path = GOLD, repeat: int = 1, out_dir: Path | None = None) -> dict:
    from rag import Assistant

    questions = load_questions(questions_file)
    assistant = Assistant.from_settings()
    t0 = time.perf_counter()
    assistant.answer("what penalties does Japan's AI law carry?")  # warm-up: model, index, BM25
    warmup = time.perf_counter() - t0
    parts: dict[str, list[float]] = {}
    for _ in range(repeat):
        for q in questions:
            t = time.perf_counter()
            ans = assistant.answer(q["question"], q.get("history") or [])
            parts.setdefault("total", []).append(time.perf_counter() - t)
            for k, v in (ans.timings or {}).items():
                if k != "total":
                    parts.setdefault(k, []).append(float(v))
    stats = {k: percentiles(v) for k, v in parts.items()}
    result = {"questions": len(questions), "repeat": repeat, "answerer": assistant.settings.llm,
              "warmup_seconds": round(warmup, 2), "seconds": stats}
    print_table(f"answer latency, {len(questions)} gold questions x{repeat} (warm; warm-up {warmup:.1f}s)",
                ["stage", "p50 ms", "p95 ms", "max ms", "mean ms"],
                [[k, *(round(s[m] * 1000, 1) for m in ("p50", "p95", "max", "mean"))] for k, s in stats.items()])
    write_result("latency", result, out_dir)
    return result
