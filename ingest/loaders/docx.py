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
# Word's XML is verbose: a real 2 MB .docx holds about 10 MB of XML. Four times the file-size limit
# leaves room for any real document and stops a bomb.
INFLATE_FACTOR = 4


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".docx"


def _blocks(document) -> list[tuple[bool, str]]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    # Style names resolved once per style id: python-docx's Paragraph.style scans every style of the
    # document for each paragraph, which took a minute for 2 MB of paragraphs.
    names = {s.style_id: s.name or "" for s in document.styles}
    out: list[tuple[bool, str]] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text.strip()
            style = names.get(child.style, "") if child.style else ""
            if text:
                out.append((style.startswith(("Heading", "Title")), text))
        elif tag == "tbl":
            rows = [" | ".join(c.text.strip() for c in row.cells) for row in Table(child, document).rows]
            if any(r.strip(" |") for r in rows):
                out.append((False, "\n".join(rows)))
    return out


def _check_inflated_size(path: Path, limit: int) -> None:
    """A .docx is a zip: refuse one whose parts inflate past ``limit`` bytes (a zip bomb) before any is
    read. The file-size limit alone passed a 0.8 MB file that inflates to 210 MB and parsed for minutes."""
    try:
        with zipfile.ZipFile(path) as z:
            inflated = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile as e:
        raise IngestError(path, f"corrupt Word document, not a valid .docx ({e})") from e
    if inflated > limit:
        raise IngestError(path, f"Word document inflates to {inflated / 2**20:.0f} MB (> {limit // 2**20} MB, "
                                f"{INFLATE_FACTOR}x REGQA_MAX_FILE_MB): refused as a possible zip bomb")


def check(path: Path, max_bytes: int) -> None:
    """The limit of this format beyond the file size (ingest/loaders/registry.py calls it before load)."""
    _check_inflated_size(path, INFLATE_FACTOR * max_bytes)


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    read_bytes(path)  # empty / unreadable -> IngestError
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
    own = document.core_properties.title or next((t for heading, t in blocks if heading), "")
    doc = document_from_blocks(blocks, meta, title=own or meta.title)
    doc.title = own[:200]
    return doc
