"""Plain-text loader (last in the sniff order): generic heading detection, or for
news articles one "page" unit whose paragraphs are the article's lines."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from ingest.loaders.common import clean, read_text
from ingest.loaders.generic import generic_document
from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit

NAME = "text"
_BOILERPLATE_FILE = Path(__file__).resolve().parent.parent / "data" / "news_boilerplate.txt"


@cache  # ingest's own shipped list (ingest/data), not a setting: nothing to key
def _boilerplate() -> re.Pattern:
    rows = [ln.strip() for ln in _BOILERPLATE_FILE.read_text(encoding="utf-8").splitlines()]
    return re.compile("|".join(f"(?:{r})" for r in rows if r and not r.startswith("#")), re.I)


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".txt", ".text")


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    text = clean(read_text(path))  # empty / binary / undecodable -> IngestError naming the file
    if meta.kind == "news":
        lines = [ln for ln in text.split("\n") if ln.strip() and not _boilerplate().fullmatch(ln.strip())]
        headline = lines[0] if lines else meta.title
        unit = Unit("page", "1", label=meta.short_name or headline[:80], title=headline,
                    paragraphs=[Paragraph("", ln) for ln in lines[1:] or lines])
        return ParsedDocument(meta=meta, units=[unit])
    return generic_document(text, meta)
