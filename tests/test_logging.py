"""`--verbose` shows the engine's decisions: the scope understood is logged, and the CLI's verbose mode
puts rag.* debug messages on stderr while leaving other libraries at warnings."""
from __future__ import annotations

import logging

from cli.main import build_parser, verbose_logging
from rag.understand.catalog import LawCatalog
from rag.understand.scope import understand


def test_the_scope_chosen_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="rag.understand.scope"):
        understand("What penalties does Japan's AI law carry?", catalog=LawCatalog.load())
    (msg,) = [r.getMessage() for r in caplog.records if r.name == "rag.understand.scope"]
    assert "jp-ai-promotion-act" in msg and "penalties" in msg and "language=en" in msg


def test_verbose_puts_engine_debug_on_stderr_and_other_libraries_stay_quiet(capsys):
    assert build_parser().parse_args(["ask", "--verbose", "a question"]).verbose
    root = logging.getLogger()
    before = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in ("rag", "ingest", "cli")})
    try:
        verbose_logging()
        logging.getLogger("rag.retrieve.hybrid").debug("12 candidates")
        logging.getLogger("chromadb.telemetry").info("chatty")
        err = capsys.readouterr().err
        assert "DEBUG rag.retrieve.hybrid: 12 candidates" in err and "chatty" not in err
    finally:
        root.handlers[:], root.level = before[0], before[1]
        for n, level in before[2].items():
            logging.getLogger(n).setLevel(level)
