"""Word (.docx) loader: paragraphs and tables in document order via python-docx;
heading styles mark headings; then the generic splitter."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.common import read_bytes
from ingest.loaders.generic import document_from_blocks
from ingest.model import DocMeta, ParsedDocument

NAME = "docx"


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".docx"


def _blocks(document) -> list[tuple[bool, str]]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[tuple[bool, str]] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(child, document)
            text = p.text.strip()
            style = (p.style.name if p.style is not None else "") or ""
            if text:
                out.append((style.startswith(("Heading", "Title")), text))
        elif tag == "tbl":
            rows = [" | ".join(c.text.strip() for c in row.cells) for row in Table(child, document).rows]
            if any(r.strip(" |") for r in rows):
                out.append((False, "\n".join(rows)))
    return out


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    read_bytes(path)  # empty / unreadable / too large -> IngestError
    import docx  # imported on use: only Word files need it

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise IngestError(path, f"corrupt Word document, not a valid .docx ({type(e).__name__}: {e})") from e
    except Exception as e:  # python-docx raises PackageNotFoundError for non-OOXML zips
        raise IngestError(path, f"cannot open Word document ({type(e).__name__}: {e})") from e
    blocks = _blocks(document)
    if not blocks:
        raise IngestError(path, "Word document has no text")
    return document_from_blocks(blocks, meta, title=document.core_properties.title or meta.title)
