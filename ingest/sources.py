"""Which files to ingest and with what metadata.

The default corpus is the list in ``corpus/sources.toml`` (files relative to
``REGQA_CORPUS_DIR``). Any other path a user ingests gets metadata derived from
its location: a stable ``doc_id`` from its path relative to the ingested root,
so re-ingesting a changed file replaces the same document.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.registry import SUPPORTED_EXTENSIONS
from ingest.model import DocMeta
from rag.core.settings import Settings
from rag.core.text import detect_language

_META_FIELDS = {f.name for f in fields(DocMeta)}


def load_source_list(settings: Settings) -> list[DocMeta]:
    """The default corpus as DocMeta records (``source_file`` relative to the corpus dir)."""
    try:
        data = tomllib.loads(settings.sources_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise IngestError(settings.sources_file, f"cannot read the source list ({e})") from e
    out = []
    for i, entry in enumerate(data.get("source", []), 1):
        if "file" not in entry or "doc_id" not in entry:
            raise IngestError(settings.sources_file, f"source #{i} lacks 'file' or 'doc_id'")
        kw = {k: v for k, v in entry.items() if k in _META_FIELDS}
        kw.setdefault("law_id", entry["doc_id"])
        kw.setdefault("title", entry["doc_id"])
        out.append(DocMeta(source_file=entry["file"], **kw))
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "doc"


def user_meta(path: Path, root: Path, jurisdiction: str = "", language: str = "", added_by: str = "",
              title: str = "") -> DocMeta:
    """Metadata of a user's own file. ``title`` is the name the user gives it (else its own first heading,
    read at ingest, else its file name); ``added_by`` is who adds it (else the OS user)."""
    rel = path.name if path == root else path.relative_to(root).as_posix()
    doc_id = f"user-{_slug(rel)}"
    name = title.strip() or re.sub(r"[_-]+", " ", path.stem).strip() or path.name
    return DocMeta(doc_id=doc_id, law_id=doc_id, title=name, short_name=name, citation_name=name,
                   jurisdiction=jurisdiction.upper(), language=language, source_file=rel, kind="user",
                   added_by=added_by or _os_user(), source_path=str(path.resolve()), title_given=bool(title.strip()))


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return ""


def distinct_id(doc_id: str, source_path: str) -> str:
    """The id of a second, different file whose name gives the same ``doc_id`` ("policy.md" in two folders,
    "a b.md" beside "a-b.md"): the same id plus a short hash of its path, so it is stable on re-ingest and
    never replaces the other file."""
    import hashlib

    return f"{doc_id}-{hashlib.sha1(source_path.encode()).hexdigest()[:6]}"


def title_from_heading(doc) -> None:
    """A user document is named by its own first heading (Markdown "# ...", a DOCX/HTML title, or a
    short first line), not by its file name, unless the user gave a name (``meta.title_given``): that is
    the name people ask for it by, and it never borrows an official law's title."""
    meta = doc.meta
    if getattr(meta, "title_given", False) or not doc.units:
        return
    first = doc.units[0]
    heading = doc.title or (first.label if first.number == "preamble" and first.label not in ("", "Preamble") else "")
    if not heading:
        line = next((ln.strip() for ln in first.text.splitlines() if ln.strip()), "")
        heading = line if 3 <= len(line) <= 120 and not line.endswith((".", "。", ":")) else ""
    heading = re.sub(r"^#+\s*", "", heading).strip()
    if heading:
        meta.title = meta.short_name = meta.citation_name = heading


def language_from_text(doc) -> None:
    """A user document ingested without ``--language`` gets the language of its own text, so the answerer
    knows which of its passages the English relevance check can read (an empty language reads as unknown)."""
    if not doc.meta.language and doc.units:
        doc.meta.language = detect_language(" ".join(u.text for u in doc.units[:5]))


def collect(paths: list[Path], settings: Settings, jurisdiction: str = "") -> tuple[list[tuple[Path, DocMeta]], list[str]]:
    """Expand paths (files or folders) into (file, meta) pairs; also returns what is missing.

    Files that are listed in the default source list keep that metadata, so
    ``regqa ingest ../shared/corpus/jp`` and ``regqa ingest`` agree on doc ids.
    """
    known: dict[Path, list[DocMeta]] = {}  # one file may hold several documents (e.g. zh + en columns)
    corpus_root = settings.corpus_dir.resolve()
    try:
        for m in load_source_list(settings):
            known.setdefault((corpus_root / m.source_file).resolve(), []).append(m)
    except IngestError:
        pass  # a broken source list must not stop ingesting the user's own files
    items: list[tuple[Path, DocMeta]] = []
    missing: list[str] = []
    for p in paths:
        if not p.exists():
            missing.append(f"{p}: no such file or folder")
            continue
        root = p if p.is_dir() else p.parent
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        inside = root.resolve()
        for f in files:
            if p.is_dir() and (f.name.startswith(".") or f.name in ("MANIFEST.tsv",)):
                continue
            rf = f.resolve()
            if p.is_dir() and not rf.is_relative_to(inside):
                # A link inside the folder to /etc/passwd or another tree: ingesting a folder reads that
                # folder only. (A file named on the command line is read wherever it is.)
                missing.append(f"{f}: skipped, a link to {rf} outside {p}")
                continue
            if rf in known:
                items += [(f, m) for m in known[rf]]
                continue
            if p.is_dir() and f.suffix.lower() not in SUPPORTED_EXTENSIONS:
                continue  # folders hold other things too; an explicitly named file is always tried
            items.append((f, user_meta(f, root if p.is_dir() else f, jurisdiction)))
    return items, missing


def default_items(settings: Settings) -> tuple[list[tuple[Path, DocMeta]], list[str]]:
    """The default corpus: every listed file that exists, and a note for each that does not."""
    items, missing = [], []
    if not settings.corpus_dir.is_dir():
        return [], [f"corpus folder {settings.corpus_dir} not found (set REGQA_CORPUS_DIR)"]
    for m in load_source_list(settings):
        f = settings.corpus_dir / m.source_file
        if f.is_file():
            items.append((f, m))
        else:
            missing.append(f"{f}: listed in {settings.sources_file.name} but missing")
    return items, missing
