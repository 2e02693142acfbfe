"""Documents uploaded through the app: validated, saved under the upload dir, ingested.

``save_upload`` never trusts the browser-supplied name: the name is reduced to a
plain file name (no directories, no dots in front, safe characters only), the
extension must be on the allow-list and the size under ``settings.upload_max_mb``.
The resolved target is checked to lie inside the upload dir as a last guard.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from ingest.errors import IngestError
from rag.core.settings import Settings

ALLOWED_EXTENSIONS = (".pdf", ".html", ".htm", ".xml", ".txt", ".md", ".docx")
_UNSAFE_RE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_name(name: str) -> str:
    """A file name that cannot leave its directory: last path part only, safe characters only."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name  # strips both / and \ directories
    base = unicodedata.normalize("NFKC", base).replace("\x00", "")
    base = _UNSAFE_RE.sub("_", base).strip("._ ")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem.strip("._ ")[:100] or "upload"
    return f"{stem}.{ext.lower()}" if ext else stem


def save_upload(name: str, data: bytes, settings: Settings) -> Path:
    """Validate and write one uploaded file; returns its path. Raises IngestError (one line) if refused."""
    fname = safe_name(name)
    ext = Path(fname).suffix.lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise IngestError(name, f"file type {ext or '(none)'!r} not allowed; allowed: {', '.join(ALLOWED_EXTENSIONS)}")
    limit = settings.upload_max_mb * 2**20
    if len(data) > limit:
        raise IngestError(name, f"file too large ({len(data) / 2**20:.1f} MB > {settings.upload_max_mb} MB;"
                                " raise REGQA_UPLOAD_MAX_MB to allow it)")
    if not data:
        raise IngestError(name, "file is empty")
    root = settings.uploads.resolve()
    root.mkdir(parents=True, exist_ok=True)
    target = (root / fname).resolve()
    if target.parent != root:  # belt and braces: safe_name already removed every directory part
        raise IngestError(name, "unsafe file name")
    target.write_bytes(data)
    return target


@dataclass
class UploadResult:
    name: str
    ok: bool
    message: str
    doc_id: str = ""
    chunks: int = 0


@dataclass
class UploadReport:
    results: list[UploadResult] = field(default_factory=list)

    @property
    def errors(self) -> list[UploadResult]:
        return [r for r in self.results if not r.ok]


def ingest_uploads(files: list[tuple[str, bytes]], settings: Settings, jurisdiction: str = "",
                   on_progress=None, indexer=None) -> UploadReport:
    """Save and ingest (name, bytes) pairs; each file succeeds or fails on its own.

    ``on_progress(fraction, label)`` is called as files are saved and chunks embedded.
    """
    from ingest.indexer import Indexer
    from ingest.sources import user_meta

    report = UploadReport()
    items = []
    for name, data in files:
        try:
            path = save_upload(name, data, settings)
            items.append((path, user_meta(path, settings.uploads.resolve(), jurisdiction)))
        except IngestError as e:
            report.results.append(UploadResult(name=name, ok=False, message=str(e)))
    if on_progress:
        on_progress(0.05, "saved")
    if items:
        idx = indexer or Indexer(settings, progress=False)

        def _progress(done, total, label):
            if on_progress and total:
                on_progress(0.05 + 0.95 * done / total, label)

        ing = idx.ingest(items, on_progress=_progress)
        saved = {m.source_file: path for path, m in items}
        for r in ing.results:
            if r.status == "failed":
                if r.source_file in saved:  # don't keep a file the index refused
                    saved[r.source_file].unlink(missing_ok=True)
                report.results.append(UploadResult(name=r.source_file, ok=False, message=r.error))
            else:
                report.results.append(UploadResult(name=r.source_file, ok=True, doc_id=r.doc_id, chunks=r.chunks,
                                                   message=f"{r.source_file}: {r.status}, {r.chunks} chunks"))
    if on_progress:
        on_progress(1.0, "done")
    return report
