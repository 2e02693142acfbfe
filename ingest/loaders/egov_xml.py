"""Loader for e-Gov law XML (Japanese statutes, Japanese text), including the
e-Gov API v1 ``<DataRoot>`` response that wraps the same ``<Law>`` element."""
from __future__ import annotations

from pathlib import Path

from ingest.loaders.jlaw_common import parse_law_xml
from ingest.model import DocMeta, ParsedDocument

NAME = "egov_xml"


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() != ".xml" or b"<Law" not in head:
        return False
    # JLT English XML has the same root element; it is told apart by its language.
    if b'Lang="en"' in head or b"J-STATUTE" in head:
        return False
    return b'Lang="ja"' in head or b"<LawFullText" in head or b"<LawBody" in head


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    return parse_law_xml(path, meta, sep="")  # Japanese sentences are joined without a space
