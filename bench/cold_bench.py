"""Cold start: from process start to the first answer (`regqa ask` in a fresh process).

The machine's load average is recorded before and after: on a shared 2-core machine the same run
takes twice as long at load 2 as at load 0.5, so a figure means little without it. The CPU time of
each fresh process (user + system, all its threads) is recorded too: it moves far less with the load
than the wall time, so it compares runs made at different loads.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.common import percentiles, print_table, write_result

SEED = "what penalties does Japan's AI law carry?"


def run(runs: int = 3, out_dir: Path | None = None) -> dict:
    exe = Path(sys.executable).parent / "regqa"
    times, inner, cpu = [], [], []
    load_before = os.getloadavg()
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        p = subprocess.run([str(exe), "ask", SEED, "--json"], capture_output=True, text=True,
                           env=dict(os.environ, HF_HUB_OFFLINE="1"), timeout=900)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if p.returncode != 0:
            raise SystemExit(f"regqa ask failed ({p.returncode}): {p.stderr.strip()[-500:]}")
        inner.append(float(json.loads(p.stdout).get("timings", {}).get("total", 0.0)))
    result = {"runs": runs, "process_to_answer": percentiles(times), "answer_inside_process": percentiles(inner),
              "cpu_seconds": percentiles(cpu),
              "load_before": load_before, "load_after": os.getloadavg()}
    load = f"load average {load_before[0]:.2f} -> {result['load_after'][0]:.2f}"
    print_table(f"cold start: `regqa ask` in a fresh process, {runs} runs ({load})", ["measure", "p50 s", "max s"], [
        ["process start -> answer printed", result["process_to_answer"]["p50"], result["process_to_answer"]["max"]],
        ["first answer inside the process", result["answer_inside_process"]["p50"],
         result["answer_inside_process"]["max"]],
        ["CPU time of the process (user + system)", result["cpu_seconds"]["p50"], result["cpu_seconds"]["max"]]])
    write_result("cold", result, out_dir)
    return result
