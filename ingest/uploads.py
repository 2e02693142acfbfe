"""Documents uploaded through the app: validated, saved under the upload dir, ingested.

``save_upload`` never trusts the browser-supplied name: the name is reduced to a
plain file name (no directories, no dots in front, safe characters only), the
extension must be on the allow-list and the size under ``settings.upload_max_mb``.
The resolved target is checked to lie inside the upload dir as a last guard.

A file is written to ``<upload dir>/.incoming`` and ingested from there; only when the index took it
does it replace the saved file of the same name. A refused re-upload leaves the earlier file and its
indexed text as they were.
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


def save_upload(name: str, data: bytes, settings: Settings, incoming: bool = False) -> Path:
    """Validate and write one uploaded file; returns its path (under ``.incoming/`` when ``incoming``: the
    caller moves it to :func:`final_path` once it is indexed). Raises IngestError (one line) if refused."""
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
    root = settings.uploads.resolve() / _INCOMING if incoming else settings.uploads.resolve()
    root.mkdir(parents=True, exist_ok=True)
    target = (root / fname).resolve()
    if target.parent != root:  # belt and braces: safe_name already removed every directory part
        raise IngestError(name, "unsafe file name")
    target.write_bytes(data)
    return target


_INCOMING = ".incoming"


def final_path(path: Path) -> Path:
    """Where an upload saved under ``.incoming/`` lives once it is indexed."""
    return path.parent.parent / path.name if path.parent.name == _INCOMING else path


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
                   on_progress=None, indexer=None, added_by: str = "") -> UploadReport:
    """Save and ingest (name, bytes) pairs; each file succeeds or fails on its own.

    ``on_progress(fraction, label)`` is called as files are saved and chunks embedded; ``added_by`` is who
    uploads (shown with every citation of the file).
    """
    from ingest.indexer import Indexer
    from ingest.sources import user_meta

    report = UploadReport()
    items = []
    for name, data in files:
        try:
            path = save_upload(name, data, settings, incoming=True)
            meta = user_meta(final_path(path), settings.uploads.resolve(), jurisdiction, added_by=added_by)
            items.append((path, meta))
        except IngestError as e:
            report.results.append(UploadResult(name=name, ok=False, message=str(e)))
    if on_progress:
        on_progress(0.05, "saved")
    if items:
        idx = indexer or Indexer(settings, progress=False)

        def _progress(done, total, label):
            if on_progress and total:
                on_progress(0.05 + 0.95 * done / total, label)

        try:
            ing = idx.ingest(items, on_progress=_progress)
        except BaseException:  # the index is down or full: the new files go, earlier uploads stay
            for p, _ in items:
                p.unlink(missing_ok=True)
            raise
        saved = {m.source_file: path for path, m in items}
        for r in ing.results:
            path = saved.get(r.source_file)
            if r.status == "failed":
                if path is not None:  # the refused file goes; an earlier upload of that name stays
                    path.unlink(missing_ok=True)
                # The reader sees their file's name, not where the server keeps it.
                message = r.error.replace(str(path), r.source_file) if path is not None else r.error
                report.results.append(UploadResult(name=r.source_file, ok=False, message=message))
            else:
                if path is not None:
                    path.replace(final_path(path))
                report.results.append(UploadResult(name=r.source_file, ok=True, doc_id=r.doc_id, chunks=r.chunks,
                                                   message=f"{r.source_file}: {r.status}, {r.chunks} chunks"))
    if on_progress:
        on_progress(1.0, "done")
    return report
