"""XML helpers shared by every XML loader (e-Gov/JLT, MOLEG, Justice Laws): one
safe parser and one text extractor, so a hardening fix is made in one place.
"""
from __future__ import annotations

from collections.abc import Container
from pathlib import Path

from lxml import etree

from ingest.errors import IngestError
from ingest.loaders.common import read_bytes


def safe_parser() -> etree.XMLParser:
    """A parser that never expands entities (billion-laughs files), never fetches a DTD over the
    network (no network at run time), and keeps libxml2's size/depth limits (huge_tree=False),
    so a hostile file fails with an error instead of exhausting memory."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse_xml(path: Path):
    """Root element of an XML file; IngestError naming the file for malformed XML."""
    try:
        return etree.fromstring(read_bytes(path), safe_parser())
    except etree.XMLSyntaxError as e:
        raise IngestError(path, f"malformed XML ({e})") from e


def text_without(el, skip: Container[str]) -> str:
    """Text of an element in document order, leaving out elements whose tag is in ``skip``
    (their tails are kept: they are the text that follows them) and comments/PIs."""
    parts: list[str] = []

    def rec(e):
        if not isinstance(e.tag, str) or e.tag in skip:
            return
        if e.text:
            parts.append(e.text)
        for c in e:
            rec(c)
            if c.tail:
                parts.append(c.tail)

    rec(el)
    return "".join(parts)
