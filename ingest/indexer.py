"""Ingest documents into the index: parse, split, embed, commit; incrementally.

- Unchanged files (same bytes, split format and chunk size as the live version) are skipped:
  nothing is embedded.
- A changed file's new chunks are written, then the document is switched to
  them and its old chunks are deleted (see rag/index/store.py for why this order).
- Chunks already written by an interrupted ingest are reused, not re-embedded, if they are
  exactly as this ingest would write them (same chunk hash); others are written anew.
- Each chunk's hash is recorded in the registry with the document (rag/index/store.py).
- One failing document is reported and skipped; the others go on and nothing
  already indexed is touched.
- A file lock serialises ingests that share a data directory.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import shutil
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.dates import apply_source_dates, source_dates
from ingest.errors import IngestError
from ingest.loaders.common import check_size
from ingest.loaders.registry import load_document
from ingest.model import DocMeta, ParsedDocument
from ingest.sources import distinct_id, language_from_text, title_from_heading
from ingest.splitter import SPLIT_FORMAT, to_chunks
from rag.core.errors import BackendUnavailable
from rag.core.settings import Settings
from rag.core.types import Chunk
from rag.index.store import ChunkStore, hash_of
from rag.index.versions import unit_hashes

log = logging.getLogger(__name__)

# The registry fields that say which version a document is (rag/index/versions.py). VERSION_FORMAT changes
# when what is read from the sources changes (ingest/dates.py): records of another format are re-read.
# 3: records list their chunks' hashes (older records get them on the next ingest, without re-embedding).
VERSION_FORMAT = 3
VERSION_FIELDS = ("version_kind", "official", "adopted", "published", "in_force", "applies_from", "as_of", "replaces")


@dataclass
class DocResult:
    source_file: str
    doc_id: str = ""
    status: str = "failed"  # added | replaced | unchanged | updated (version data only) | failed
    units: dict = field(default_factory=dict)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    error: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    results: list[DocResult] = field(default_factory=list)
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)
    multilingual: int = 0  # multilingual vectors embedded for the side index (rag/index/crosslingual.py)

    @property
    def errors(self) -> list[DocResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing

    def totals(self) -> dict:
        done = [r for r in self.results if r.status != "failed"]
        return {"documents": len(done), "units": sum(sum(r.units.values()) for r in done),
                "chunks": sum(r.chunks for r in done), "embedded": sum(r.embedded for r in self.results),
                "multilingual": self.multilingual,
                "unchanged": sum(r.status in ("unchanged", "updated") for r in self.results),
                "errors": len(self.errors) + len(self.missing), "seconds": round(self.seconds, 2)}

    def to_dict(self) -> dict:
        return {"totals": self.totals(), "documents": [asdict(r) for r in self.results], "missing": self.missing}


def version_hash(path: Path, max_chars: int) -> str:
    """The version marker of a document in the index: the file's bytes, the splitter's format and the
    chunk size. An unchanged file is re-split when regqa's splitting changed (SPLIT_FORMAT) or
    REGQA_MAX_CHUNK_CHARS did; otherwise its old chunks, keyed by this hash, would stay live."""
    return hashlib.sha256(f"{file_sha256(path)}|{SPLIT_FORMAT}|{max_chars}".encode()).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def ingest_lock(settings: Settings, wait: bool = True):
    """Exclusive lock on the data directory so two ingests never interleave their writes."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fh = open(settings.lock_path, "a+")  # noqa: SIM115 - held across the yield below
    except OSError as e:
        raise BackendUnavailable(f"cannot write to the data directory {settings.data_dir} ({e.strerror})") from e
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BackendUnavailable(f"another ingest is running on {settings.data_dir}") from None
            print(f"waiting for another ingest on {settings.data_dir} to finish ...", file=sys.stderr)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _disk_problem(settings: Settings) -> str:
    """Chroma wraps I/O failures in its own errors ("Error in compaction"), so look at the disk itself."""
    if settings.chroma_url:
        return ""
    try:
        free = shutil.disk_usage(settings.data_dir).free
        if free < 16 * 2**20:
            return f"the disk is full ({free / 2**20:.1f} MB free)"
        probe = settings.data_dir / ".write-probe"
        probe.write_bytes(b"x")
        probe.unlink()
    except OSError as e:
        return {28: "the disk is full", 30: "the directory is read-only"}.get(e.errno, e.strerror or str(e))
    return ""


def _writable_error(e: Exception, settings: Settings) -> BackendUnavailable | None:
    problem = _disk_problem(settings)
    if problem:
        return BackendUnavailable(f"cannot write the index in {settings.data_dir}: {problem}")
    text = str(e).lower()
    if isinstance(e, OSError) and e.errno in (28, 30, 13):  # ENOSPC, EROFS, EACCES
        return BackendUnavailable(f"cannot write the index in {settings.data_dir}: {e.strerror}")
    if isinstance(e, sqlite3.OperationalError) or "readonly" in text or "read-only" in text or "disk" in text:
        return BackendUnavailable(f"cannot write the index in {settings.data_dir}: {e} "
                                  "(read-only directory or full disk?)")
    return None


def _load(path: Path, meta: DocMeta, max_bytes: int) -> ParsedDocument:
    """Parse a file; the version dates its text states go into ``meta`` (ingest/dates.py)."""
    doc = load_document(path, meta, max_bytes)
    apply_source_dates(meta, source_dates(path, [u.text for u in doc.units]), path)
    return doc


def _version_record(meta: DocMeta, doc: ParsedDocument, chunks: list[Chunk]) -> dict:
    return {**{f: getattr(meta, f) for f in VERSION_FIELDS}, "unit_hashes": unit_hashes(doc.units),
            "version_format": VERSION_FORMAT, "chunk_hashes": [hash_of(c) for c in chunks]}


def _stale_version(live: dict, meta: DocMeta) -> bool:
    """Whether the registry record lacks version data or disagrees with the listed values."""
    if not live.get("unit_hashes") or live.get("version_format") != VERSION_FORMAT:
        return True
    for f in VERSION_FIELDS:
        listed = getattr(meta, f)
        have = live.get(f)
        if listed not in (None, "", []) and listed != have:
            return True
    return False


class Indexer:
    def __init__(self, settings: Settings | None = None, store: ChunkStore | None = None, progress: bool = True):
        self.settings = settings or Settings.from_env()
        self.store = store or ChunkStore(self.settings)
        self.progress = progress

    def ingest(self, items: list[tuple[Path, DocMeta]], force: bool = False, missing: list[str] | None = None,
               on_progress=None) -> IngestReport:
        """Ingest (file, meta) pairs. ``on_progress(done, total, label)`` is called as chunks are embedded."""
        t0 = time.perf_counter()
        report = IngestReport(missing=list(missing or []))
        with ingest_lock(self.settings):
            try:
                todo = self._parse_all(items, force, report)
                self._embed_and_commit(todo, report, on_progress)
                # Only now: chunks left by a killed ingest were reused above instead of re-embedded.
                self.store.drop_orphans()
                idx = _refresh_lexical(self.store, rebuild=any(r.embedded for r in report.results))
                report.multilingual = _refresh_crosslingual(self.store, idx, self.progress)
            except BackendUnavailable:
                raise
            except Exception as e:
                err = _writable_error(e, self.settings)
                if err:
                    raise err from e
                raise
        report.seconds = time.perf_counter() - t0
        return report

    def _keep_apart(self, meta: DocMeta, res: DocResult, seen: dict[str, tuple[str, str]]) -> None:
        """A user's file never takes the id of a different file (the same name in another folder, or a name
        that slugs the same): it gets its own id, and the report says so. Only the same file changing
        replaces a document. Records written before paths were kept have none: the same file is assumed.
        ``seen``: doc id -> (source path, source file) of the files taken in this run."""
        if meta.doc_id in seen:
            path, name = seen[meta.doc_id]
        else:
            live = self.store.document(meta.doc_id) or {}
            path, name = live.get("source_path", ""), live.get("source_file", "")
        if path and path != meta.source_path:
            first = meta.doc_id
            # Derived from this file's path, so no other file gets it (and this one gets it again next time).
            meta.doc_id = meta.law_id = res.doc_id = distinct_id(first, meta.source_path)
            res.warnings.append(f"{res.source_file}: indexed as {meta.doc_id}, because {first} is another "
                                f"file of the same name ({name or 'indexed earlier'})")
            log.info("doc id %s taken by another file; %s indexed as %s", first, meta.source_path, meta.doc_id)
        seen[meta.doc_id] = (meta.source_path, meta.source_file)

    def _parse_all(self, items, force, report) -> list[tuple[DocResult, ParsedDocument, list[Chunk], float]]:
        todo = []
        seen: dict[str, tuple[str, str]] = {}
        for path, meta in items:
            t = time.perf_counter()
            res = DocResult(source_file=meta.source_file or path.name, doc_id=meta.doc_id)
            report.results.append(res)
            try:
                if meta.kind == "user" and meta.source_path:
                    self._keep_apart(meta, res, seen)
                max_bytes = self.settings.max_file_mb * 2**20
                check_size(path, max_bytes)  # before the file is hashed or any loader reads it
                fhash = version_hash(path, self.settings.max_chunk_chars)
                live = self.store.document(meta.doc_id)
                same_file = bool(live and live.get("file_hash") == fhash and not force)
                if same_file and not _stale_version(live, meta):
                    res.status, res.units, res.chunks = "unchanged", live.get("units") or {}, int(live.get("chunks", 0))
                    res.seconds = time.perf_counter() - t
                    continue
                doc = _load(path, meta, max_bytes)
                if meta.kind == "user":
                    title_from_heading(doc)
                    language_from_text(doc)
                chunks = to_chunks(doc, fhash, self.settings.max_chunk_chars)
                if not chunks:
                    raise IngestError(path, "no text found in document")
                if len(chunks) > self.settings.max_chunks:
                    raise IngestError(path, f"splits into {len(chunks):,} chunks (> {self.settings.max_chunks:,}, "
                                            "REGQA_MAX_CHUNKS): split the file, or raise the limit")
                if same_file and len(self.store.intact_ids(chunks)) == len(chunks):
                    # Version data changed in the source list (or the record predates it or the chunk hashes):
                    # the record is rewritten from a fresh parse and split; the chunks and their embeddings
                    # stay as they are. Stored chunks that differ from the split fall through to be rewritten.
                    self.store.commit_document({**live, **_version_record(meta, doc, chunks)})
                    res.status, res.units, res.chunks = "updated", live.get("units") or {}, int(live.get("chunks", 0))
                    res.seconds = time.perf_counter() - t
                    continue
                res.status = "replaced" if live else "added"
                res.units = {k: doc.count(k) for k in dict.fromkeys(u.kind for u in doc.units)}
                res.chunks = len(chunks)
                res.warnings += [f"{path}: {w}" for w in doc.warnings]
                todo.append((res, doc, chunks, t))
            except IngestError as e:
                res.error = str(e)
            except OSError as e:
                res.error = f"{path}: cannot read file ({e.strerror})"
        return todo

    def _embed_and_commit(self, todo, report, on_progress) -> None:
        total = sum(len(c) for _, _, c, _ in todo)
        bar = None
        if self.progress and total:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr, dynamic_ncols=True)
        done = 0
        batch = max(1, self.settings.embed_batch)
        for res, doc, chunks, t in todo:
            # Resume after an interruption: chunks already written intact are kept; altered ones, and any whose
            # text or metadata (title, heading) changed, are rewritten.
            have = self.store.intact_ids(chunks)
            fresh = [c for c in chunks if c.chunk_id not in have]
            for i in range(0, len(fresh), batch):
                part = fresh[i:i + batch]
                vecs = self.store.embedder.embed_documents([c.text for c in part])
                self.store.add_chunks(part, vecs)
                res.embedded += len(part)
                done += len(part)
                if bar:
                    bar.update(len(part))
                if on_progress:
                    on_progress(done, total, res.source_file)
            skipped = len(chunks) - len(fresh)
            done += skipped
            if bar and skipped:
                bar.update(skipped)
            m = doc.meta
            self.store.commit_document({
                "doc_id": m.doc_id, "law_id": m.law_id, "title": m.title, "short_name": m.short_name,
                "citation_name": m.citation_name, "jurisdiction": m.jurisdiction, "language": m.language,
                "version": m.version, "official_url": m.official_url, "source_file": m.source_file,
                "kind": m.kind, "file_hash": chunks[0].file_hash, "chunks": len(chunks), "units": res.units,
                "warnings": len(res.warnings), **_version_record(m, doc, chunks),
                **({"added_by": m.added_by, "source_path": m.source_path} if m.kind == "user" else {})})
            res.seconds = time.perf_counter() - t
        if bar:
            bar.close()

    def remove(self, doc_id: str) -> bool:
        with ingest_lock(self.settings):
            existed = self.store.remove_document(doc_id)
            _refresh_crosslingual(self.store, _refresh_lexical(self.store, rebuild=False), False)
            return existed


def _refresh_lexical(store: ChunkStore, rebuild: bool):
    """Build (or update) the persisted BM25 index now, under the ingest lock, so that the next process
    loads it instead of building it (rag/index/lexical.py); ``rebuild`` when chunks were written, which
    can repair one without changing the registry. A failure here costs only that rebuild later."""
    from rag.index.lexical import index_for

    try:
        return index_for(store, rebuild=rebuild)
    except Exception as e:  # noqa: BLE001 - the ingest itself succeeded; readers build the index themselves
        log.warning("lexical index not updated after ingest (%s: %s); readers will build it", type(e).__name__, e)
        return None


def _refresh_crosslingual(store: ChunkStore, idx, progress: bool) -> int:
    """Give the chunks of laws with no English text their multilingual vectors (rag/index/crosslingual.py),
    and English-only laws' article openings theirs for questions in other languages; how many were embedded.
    An index that could not be built (None) is refreshed next time."""
    if idx is None:
        return 0
    from rag.index.crosslingual import CrosslingualIndex

    try:
        return CrosslingualIndex(store).refresh(idx.chunks, store.documents(), progress=progress)["embedded"]
    except BackendUnavailable:
        raise
    except Exception as e:  # noqa: BLE001 - the chunks are committed; the next ingest finishes the vectors
        log.warning("multilingual vectors not updated (%s: %s); the next `regqa ingest` adds them", type(e).__name__, e)
        return 0
