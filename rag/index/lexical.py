"""The BM25 index persisted beside Chroma, so a new process loads it instead of rebuilding it.

Every process used to read all chunks from Chroma and tokenise them (5 s for the 5,871-chunk corpus,
far more at 100k chunks). Now the index is built once, at ingest (or by the first reader that finds
none), and written to ``<data_dir>/lexical/<collection>.<key>.bm25``: one file with a JSON header, the
postings as raw numpy arrays (memory-mapped on load, so replicas sharing the data dir share their
pages) and the chunks the retriever reads (JSON).

Why a reader can trust it: the file's key is a digest of everything that decides its content, the
registry's records and chunk-hash lists (so a document added, replaced, removed or given new chunk
hashes changes it), this file format and the tokenizer's source; a reader computes the key from the
live registry and loads only a file of that key, whose payload checksum matches. Files are written
under a temporary name and renamed, so a reader never sees half a file; a truncated or altered file
fails the checks, is logged and rebuilt. The chunks in it are the ones ``store.all_chunks()`` returned,
which drops every chunk whose hash is not the registry's.

Which chunks pass the check depends on Chroma as well as on the registry: a chunk altered before the
index was built is left out, and the ingest that repairs it (``regqa ingest --force``) may leave the
registry as it was. So an ingest that wrote chunks always rebuilds the file (``rebuild``); a chunk
altered after the build changes nothing, since the file keeps the text that passed the check.

A read-only data dir (or one shared by replicas that cannot write it) still works: the index is then
built in memory, as before, and a warning says why it was not saved.
"""
from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import tempfile
import threading
import time
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.core.types import Chunk
from rag.index.bm25 import BM25Index

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the file layout or what is stored in it changes
_MAGIC = b"REGQALEX"
_ALIGN = 64
_ARRAYS = ("offsets", "docs", "tfs", "lengths", "idf")
# How many times this process built, loaded and saved an index (tests read these).
STATS = {"built": 0, "loaded": 0, "saved": 0, "rejected": 0}


class StaleOrCorrupt(ValueError):
    """A persisted index that must not be used (another key, another format, truncated, altered)."""


@dataclass
class RegistryState:
    """What the index is keyed on: a digest of the registry's records (read for every search, as
    ``store.version()`` was); the chunk-hash lists are read only when an index is loaded or built."""

    digest: str
    version: str


def registry_state(store) -> RegistryState:
    docs = store.documents()
    digest = hashlib.sha256(json.dumps(docs, sort_keys=True, default=str).encode()).hexdigest()
    # store.version() reads the registry again; derive its inputs from the same read where possible.
    h = hashlib.sha1()
    for d in docs:
        h.update(f"{d['doc_id']}:{d.get('file_hash')}:{d.get('chunks')}:{d.get('version_format')};".encode())
    return RegistryState(digest, h.hexdigest())


@lru_cache(maxsize=1)  # of this process's source code, which does not change while it runs
def _fingerprint() -> str:
    """The tokenizer's and the scorer's source, the chunk fields and the format: a change to any of them
    makes every persisted index stale."""
    import rag.core.text as text_mod
    import rag.index.bm25 as bm25_mod

    h = hashlib.sha256(f"{FORMAT}|{[f.name for f in fields(Chunk)]}".encode())
    for mod in (text_mod, bm25_mod):
        h.update(Path(mod.__file__).read_bytes())
    return h.hexdigest()


def file_key(store, state: RegistryState) -> str:
    """The key of the persisted index of the store's current state (also covers the chunk-hash lists)."""
    live = store.live_versions()
    hashes = json.dumps(sorted((d, fh, hs) for d, (fh, hs) in live.items()), default=str)
    return hashlib.sha256(f"{_fingerprint()}|{store.settings.collection}|{state.digest}|{hashes}".encode()
                          ).hexdigest()


def index_dir(store) -> Path:
    return Path(store.settings.data_dir) / "lexical"


def path_for(store, key: str) -> Path:
    return index_dir(store) / f"{store.settings.collection}.{key[:24]}.bm25"


# -- writing --
def save(index: BM25Index, path: Path, key: str, version: str) -> None:
    """Write ``index`` to ``path`` atomically (temporary file in the same directory, fsync, rename)."""
    blobs: list[tuple[str, bytes, dict]] = []
    for name in _ARRAYS:
        a = np.ascontiguousarray(getattr(index, name))
        blobs.append((name, a.tobytes(), {"dtype": a.dtype.str, "count": int(a.size)}))
    names = [f.name for f in fields(Chunk)]
    rows = [[getattr(c, f) for f in names] for c in index.chunks]
    blobs.append(("chunks", json.dumps(rows, ensure_ascii=False).encode(), {}))
    blobs.append(("terms", json.dumps(index.terms, ensure_ascii=False).encode(), {}))
    layout, offset = {}, 0
    for name, data, info in blobs:
        offset = -(-offset // _ALIGN) * _ALIGN
        layout[name] = {**info, "offset": offset, "bytes": len(data)}
        offset += len(data)
    payload = bytearray(offset)
    for name, data, _ in blobs:
        payload[layout[name]["offset"]:layout[name]["offset"] + len(data)] = data
    header = json.dumps({"format": FORMAT, "fingerprint": _fingerprint(), "key": key, "store_version": version,
                         "chunks": len(index.chunks), "chunk_fields": names, "layout": layout, "payload_bytes": len(payload),
                         "payload_sha256": hashlib.sha256(payload).hexdigest()}).encode()
    start = -(-(len(_MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide it from replicas running as another user
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + len(header).to_bytes(8, "little") + header)
            f.write(b"\0" * (start - f.tell()))
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    STATS["saved"] += 1
    # Older files of this collection are stale now; a process still reading one keeps its mapping.
    for old in path.parent.glob(f"{index_file_prefix(path)}*.bm25"):
        if old != path:
            old.unlink(missing_ok=True)


def index_file_prefix(path: Path) -> str:
    return path.name.rsplit(".", 2)[0] + "."


# -- reading --
def load(path: Path, key: str) -> BM25Index:
    """The index in ``path`` if it is the one of ``key`` and intact; raises StaleOrCorrupt otherwise
    (FileNotFoundError when there is none)."""
    with open(path, "rb") as f:
        try:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            raise StaleOrCorrupt("empty file") from None
    try:
        if mm[:len(_MAGIC)] != _MAGIC:
            raise StaleOrCorrupt("not a regqa lexical index")
        n = int.from_bytes(mm[len(_MAGIC):len(_MAGIC) + 8], "little")
        try:
            header = json.loads(mm[len(_MAGIC) + 8:len(_MAGIC) + 8 + n])
        except ValueError:
            raise StaleOrCorrupt("unreadable header") from None
        if header.get("format") != FORMAT:
            raise StaleOrCorrupt(f"format {header.get('format')}, this regqa reads {FORMAT}")
        if header.get("key") != key:
            raise StaleOrCorrupt("written for another state of the index")
        start = -(-(len(_MAGIC) + 8 + n) // _ALIGN) * _ALIGN
        payload = memoryview(mm)[start:]
        if len(payload) != header["payload_bytes"]:
            raise StaleOrCorrupt(f"truncated ({len(payload)} of {header['payload_bytes']} payload bytes)")
        if hashlib.sha256(payload).hexdigest() != header["payload_sha256"]:
            raise StaleOrCorrupt("checksum mismatch")
        lay = header["layout"]
        arrays = {name: np.frombuffer(payload, dtype=np.dtype(lay[name]["dtype"]), count=lay[name]["count"],
                                      offset=lay[name]["offset"]) for name in _ARRAYS}

        def blob(name):
            return json.loads(bytes(payload[lay[name]["offset"]:lay[name]["offset"] + lay[name]["bytes"]]))

        names = header["chunk_fields"]
        rows = blob("chunks")
        chunks = ([Chunk(*row) for row in rows] if names == [f.name for f in fields(Chunk)]
                  else [Chunk(**dict(zip(names, row, strict=True))) for row in rows])
        return BM25Index.from_arrays(chunks, blob("terms"), **arrays)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, StaleOrCorrupt):
            raise
        raise StaleOrCorrupt(f"malformed ({type(e).__name__}: {e})") from None


def build(store, previous: BM25Index | None = None) -> BM25Index:
    """A fresh index of the store's trusted chunks; tokens of chunks unchanged since ``previous`` are reused."""
    chunks = store.all_chunks()
    counts = None
    if previous is not None and len(previous):
        old = {c.chunk_id: i for i, c in enumerate(previous.chunks)}
        if any(c.chunk_id in old for c in chunks):
            from collections import Counter

            from rag.core.text import tokenize

            kept = previous.counts()
            counts = [kept[old[c.chunk_id]] if c.chunk_id in old and previous.chunks[old[c.chunk_id]].text == c.text
                      else list(Counter(tokenize(c.text)).items()) for c in chunks]
    return BM25Index(chunks, counts)


def obtain(store, state: RegistryState, previous: BM25Index | None = None, rebuild: bool = False) -> BM25Index:
    """The index of ``state``: the persisted one if current and intact, else built and persisted.
    ``rebuild``: built and persisted even if a current file exists."""
    t = time.perf_counter()
    key = file_key(store, state)
    path = path_for(store, key)
    try:
        if rebuild:
            raise FileNotFoundError(path)
        idx = load(path, key)
        STATS["loaded"] += 1
        log.info("lexical index loaded from %s (%d chunks, %.2f s)", path, len(idx), time.perf_counter() - t)
        return idx
    except FileNotFoundError:
        log.info("%s lexical index for this state of %s: building it",
                 "rebuilding the" if rebuild else "no persisted", store.where())
    except StaleOrCorrupt as e:
        STATS["rejected"] += 1
        log.warning("persisted lexical index %s not used (%s): rebuilding it", path, e)
    except OSError as e:
        log.warning("cannot read the persisted lexical index %s (%s): rebuilding it", path, e.strerror or e)
    if previous is None:
        previous = _newest(store)
    idx = build(store, previous)
    STATS["built"] += 1
    log.info("lexical index built (%d chunks, %.2f s)", len(idx), time.perf_counter() - t)
    # Persist only if nothing changed while the chunks were read: else the file would carry a key that
    # does not describe its content.
    if registry_state(store).digest != state.digest or file_key(store, state) != key:
        log.info("the index changed while it was read: not persisting this build")
        return idx
    try:
        save(idx, path, key, state.version)
    except OSError as e:
        log.warning("cannot persist the lexical index in %s (%s): using it from memory; every new process "
                    "will build its own", path.parent, e.strerror or e)
    return idx


def _newest(store) -> BM25Index | None:
    """The most recent persisted index of this collection, whatever its key: a base to update from (its
    chunks are only reused where the same chunk id still has the same text)."""
    try:
        files = sorted(index_dir(store).glob(f"{store.settings.collection}.*.bm25"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return None
    for p in reversed(files):
        try:
            with open(p, "rb") as f:
                head = f.read(1 << 16)
            n = int.from_bytes(head[len(_MAGIC):len(_MAGIC) + 8], "little")
            header = json.loads(head[len(_MAGIC) + 8:len(_MAGIC) + 8 + n])
            if header.get("fingerprint") != _fingerprint():
                continue  # tokenised by another tokenizer: its counts must not be reused
            return load(p, header["key"])
        except (OSError, ValueError, KeyError):
            continue
    return None


# One index per store state per process: every retriever and the indexer of a process share it.
_CACHE: dict[tuple, BM25Index] = {}
_LOCK = threading.Lock()


def index_for(store, rebuild: bool = False) -> BM25Index:
    """The BM25 index of ``store``'s current state, once per process per state: loaded from the persisted
    file when it is current and intact, else built (and persisted when the data dir allows). ``rebuild``:
    build it from the store even so (an ingest that wrote chunks)."""
    state = registry_state(store)
    key = (store.where(), store.settings.collection, state.digest)
    with _LOCK:
        idx = None if rebuild else _CACHE.get(key)
        if idx is None:
            previous = next((v for k, v in reversed(_CACHE.items()) if k[:2] == key[:2]), None)
            # Drop older versions of this collection: they are stale and hold every chunk in memory.
            for old in [k for k in _CACHE if k[:2] == key[:2]]:
                del _CACHE[old]
            idx = _CACHE[key] = obtain(store, state, previous, rebuild=rebuild)
        return idx
