"""Pick the loader for a file: a forced name from the source list, else the
first loader whose ``sniff`` recognises the file, else the generic loader for
its extension.

Each loader module exposes ``NAME``, ``sniff(path, head: bytes) -> bool`` and
``load(path, meta: DocMeta) -> ParsedDocument``.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.common import DEFAULT_MAX_FILE_BYTES, check_size
from ingest.model import DocMeta, ParsedDocument

# Specific formats first; the generic loaders last. Order matters for sniffing.
LOADER_MODULES = [
    "ingest.loaders.egov_xml",  # e-Gov law XML (and the e-Gov API v1 response wrapper)
    "ingest.loaders.jlt_xml",  # Japanese Law Translation XML (English)
    "ingest.loaders.moleg_xml",  # MOLEG / law.go.kr XML (Korean and English)
    "ingest.loaders.justice_xml",  # Justice Laws XML (Canada)
    "ingest.loaders.eurlex_html",  # EUR-Lex OJ XHTML and consolidated HTML
    "ingest.loaders.jsonl",  # one provision per line
    "ingest.loaders.leginfo_text",  # California leginfo page text with site navigation
    "ingest.loaders.markdown",  # Markdown with "## Article N" style headings
    "ingest.loaders.pdf",  # PDF (Colorado session laws, user PDFs)
    "ingest.loaders.docx",  # Word documents
    "ingest.loaders.html",  # any other HTML page
    "ingest.loaders.text",  # plain text, news; generic heading detection
]

SUPPORTED_EXTENSIONS = {".xml", ".xhtml", ".html", ".htm", ".jsonl", ".json", ".md", ".markdown",
                        ".txt", ".text", ".pdf", ".docx"}


def _modules():
    mods = []
    for name in LOADER_MODULES:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as e:
            if e.name != name:  # a loader's own dependency is missing: that is a real error
                raise
    return mods


def loader_names() -> list[str]:
    return [m.NAME for m in _modules()]


def pick_loader(path: Path, meta: DocMeta):
    mods = _modules()
    if meta.loader:
        for m in mods:
            if meta.loader == m.NAME:
                return m
        raise IngestError(path, f"unknown loader {meta.loader!r} (known: {', '.join(m.NAME for m in mods)})")
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise IngestError(path, f"unsupported format {path.suffix or '(no extension)'!r}; "
                                f"supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))}")
    try:
        with path.open("rb") as f:
            head = f.read(65536)
    except OSError as e:
        raise IngestError(path, f"cannot read file ({e.strerror})") from e
    for m in mods:
        if m.sniff(path, head):
            return m
    raise IngestError(path, "no loader recognises this file")


def load_document(path: Path, meta: DocMeta, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> ParsedDocument:
    """Parse one file into units. Raises IngestError naming the file and the reason. ``max_bytes``: the
    caller's REGQA_MAX_FILE_MB in bytes; a loader with limits of its own format has ``check(path, max_bytes)``."""
    loader = pick_loader(path, meta)
    check_size(path, max_bytes)
    if hasattr(loader, "check"):  # a module's optional hook, not a duck-typed object: few formats need one
        loader.check(path, max_bytes)
    try:
        doc = loader.load(path, meta)
    except IngestError:
        raise
    except Exception as e:  # a parser bug or a malformed file must not stop other documents
        raise IngestError(path, f"{loader.NAME} loader failed: {type(e).__name__}: {e}") from e
    if not doc.units:
        raise IngestError(path, "no text found in document")
    return doc
