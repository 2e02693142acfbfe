"""Entry point of the benchmarks: `python -m bench {ingest,latency,cold,scale,all}`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = """\
Benchmarks print a table and write JSON to bench/results/ (or --out).
  ingest   whole default corpus from empty in a temporary data dir (or --data-dir, kept), then a no-change
           run, then the embedder alone on the same texts: whole/embedding ratio, load average.
           REGQA_EMBEDDER (minilm, minilm-int8), REGQA_EMBED_BACKEND (onnx, torch), REGQA_EMBED_THREADS
           and REGQA_EMBED_SPIN choose what is measured
  embed    the embedder alone: torch, ONNX fp32 and int8, spinning threads or not, alternating rounds
           on chunk texts of the current index (--texts, --rounds)
  latency  answer latency over the gold questions on the current index (warm)
  cold     process start to first answer (`regqa ask` in a fresh process)
  scale    dense and BM25 retrieval latency/memory at 1k, 10k, 100k synthetic chunks, embedded and server
  hostile  cheap inputs that once cost minutes (24 MB of lines, a .docx zip bomb, a 4 MB question)
  all      all of the above
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("which", choices=["ingest", "embed", "latency", "cold", "scale", "hostile", "all"])
    p.add_argument("--out", type=Path, default=None, help="directory for the JSON results (default bench/results)")
    p.add_argument("--repeat", type=int, default=1, help="latency: passes over the gold set")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="ingest: an empty directory to ingest into and keep (default: a temporary one, removed)")
    p.add_argument("--texts", type=int, default=512, help="embed: chunk texts to embed per round")
    p.add_argument("--rounds", type=int, default=3, help="embed: alternating rounds")
    p.add_argument("--runs", type=int, default=3, help="cold: fresh processes to start")
    p.add_argument("--sizes", default="1000,10000,100000", help="scale: comma-separated chunk counts")
    p.add_argument("--no-server", action="store_true", help="scale: skip the `chroma run` server curve")


def run(args) -> int:
    from bench import cold_bench, embed_bench, hostile_bench, ingest_bench, latency_bench, scale_bench

    todo = ["ingest", "embed", "latency", "cold", "scale", "hostile"] if args.which == "all" else [args.which]
    for name in todo:
        if name == "ingest":
            ingest_bench.run(data_dir=args.data_dir, out_dir=args.out)
        elif name == "embed":
            embed_bench.run(n=args.texts, rounds=args.rounds, out_dir=args.out)
        elif name == "latency":
            latency_bench.run(repeat=args.repeat, out_dir=args.out)
        elif name == "cold":
            cold_bench.run(runs=args.runs, out_dir=args.out)
        elif name == "hostile":
            hostile_bench.run(out_dir=args.out)
        else:
            sizes = tuple(int(s) for s in args.sizes.split(","))
            scale_bench.run(sizes=sizes, server=not args.no_server, out_dir=args.out)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
