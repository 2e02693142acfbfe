"""Loader for Japanese Law Translation XML (the Ministry of Justice's English
reference translations, J-STATUTE DTD): same structure as e-Gov XML, in English."""
from __future__ import annotations

from pathlib import Path

from ingest.loaders.jlaw_common import parse_law_xml
from ingest.model import DocMeta, ParsedDocument

NAME = "jlt_xml"


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".xml" and b"<Law " in head and (
        b'Lang="en"' in head or b"J-STATUTE" in head)


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    return parse_law_xml(path, meta, sep=" ")
