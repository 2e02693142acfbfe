"""`regqa bench`: run the benchmarks in bench/ (same as `python -m bench`)."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    from bench.__main__ import HELP, add_arguments

    p = sub.add_parser("bench", help="benchmarks: ingestion, the embedder alone, answer latency, cold start, scale, hostile inputs",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.set_defaults(func=_run)


def _run(args) -> int:
    from bench.__main__ import run

    return run(args)
