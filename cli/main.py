"""Entry point of the ``regqa`` command: builds the argument parser from the
command modules and maps outcomes to exit codes.

Exit codes: 0 success, 1 some inputs failed (e.g. a document could not be
ingested, an evaluation floor was missed), 2 usage error, 3 the index or a
backend (Chroma server, LLM server) is unavailable, 130 interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from rag.core.errors import BackendUnavailable, IndexNotReady, redact

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

# Each module exposes register(subparsers); a subcommand sets func(args) -> int.
COMMAND_MODULES = ["cli.ingest_cmd", "cli.ask_cmd", "cli.eval_cmd", "cli.bench_cmd", "cli.app_cmd"]

DESCRIPTION = """\
regqa answers questions about regulations with article-level citations.

Typical use:
  regqa ingest                 ingest the default corpus (corpus/sources.toml)
  regqa ingest my_policy.pdf   add your own documents (PDF, HTML, XML, TXT, MD, DOCX)
  regqa ask "what penalties does Japan's AI law carry?"
  regqa chat                   a conversation in the terminal
  regqa app                    the Streamlit chat for staff
  regqa eval                   score the engine on the gold question set

Settings come from REGQA_* environment variables (see README.md), e.g.
REGQA_DATA_DIR (index location), REGQA_CHROMA_URL (Chroma server), REGQA_LLM,
REGQA_EMBEDDER (minilm, the default, runs in ONNX Runtime without torch;
minilm-int8 is faster at ingest but needs its own index), REGQA_EMBED_BACKEND=torch.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regqa", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:  # command not built yet in this checkout
                continue
            raise
        mod.register(sub)
    return parser


def verbose_logging() -> None:
    """The engine's decisions (rag.*, ingest.*: debug and up) on stderr; other libraries' warnings only
    (Chroma, httpx and the model loaders are chatty at info)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in ("rag", "ingest", "cli"):
        logging.getLogger(name).setLevel(logging.DEBUG)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    if getattr(args, "verbose", False):
        verbose_logging()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (BackendUnavailable, IndexNotReady) as e:
        print(f"regqa: {redact(str(e))}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except Exception as e:  # a bug or an unforeseen backend failure: one line, traceback on request
        if os.environ.get("REGQA_DEBUG"):
            raise
        print(f"regqa: unexpected error: {type(e).__name__}: {redact(str(e))[:300]} (set REGQA_DEBUG=1 for the "
              "traceback)",
              file=sys.stderr)
        return EXIT_PARTIAL


if __name__ == "__main__":
    sys.exit(main())
