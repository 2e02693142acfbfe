"""The Chroma index: chunks with their embeddings, and a registry of documents.

Embedded (``PersistentClient`` under ``<data_dir>/chroma``) by default, or a
Chroma server when ``REGQA_CHROMA_URL`` is set. Chunks are written and searched on
the Chroma collection itself with the embedder's vectors (the embedder is a LangChain
``Embeddings``; the LangChain vector store is not used: importing it and its tracing
stack cost a fresh ``regqa ask`` about a second of CPU). The registry is a second,
tiny collection with one record per document (title, file hash, chunk count).

Why a registry: a document's new chunks are written first, then its registry
record is switched to the new file hash, then the old chunks are deleted. Readers
only trust chunks whose file hash matches the registry, so a crash or SIGKILL in
the middle leaves the previous version visible and the next ingest finishes the
job. Removing a document deletes its registry record first for the same reason.

Why chunk hashes: a chunk that claims a live file hash is not thereby genuine: any
client that can write to the collection (a Chroma server reached without the token
proxy, a tool pointed at the wrong collection) can upsert text that regqa would then
quote under the law's official URL. At ingest each chunk's hash (``chunk_hash``: its
text and the metadata it is cited with) goes into the chunk's metadata and, as a list
by position, into its document's registry record, which is switched in the same
single write as the file hash. Readers drop, and log, every chunk whose recomputed
hash is not the one the registry lists at its position; ``check()`` lists them for
``regqa sources --check``. The list is the registry record's Chroma document (not its
metadata), so the document list read before every answer stays small. Records written
before chunk hashes have none: their chunks are served as before and reported as
unchecked until the next ``regqa ingest`` records the hashes (without re-embedding).
"""
from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from rag.core.errors import BackendUnavailable
from rag.core.settings import Settings
from rag.core.types import Chunk

log = logging.getLogger(__name__)

_PAGE = 2000  # rows per Chroma get(): bounded memory for large collections
# What a chunk's hash covers besides its text: every field it is retrieved, quoted and cited with. Fixed
# here (not "every field of Chunk") so that a new Chunk field does not void the hashes of existing indexes.
_HASHED_FIELDS = ("chunk_id", "doc_id", "law_id", "seq", "file_hash", "body", "law_title", "short_name",
                  "citation_name", "jurisdiction", "language", "unit_kind", "article", "paragraph", "label",
                  "unit_title", "heading_path", "version", "official_url", "source_file", "content_hash", "kind")
_UNLISTED = "not recorded in the registry (forged, or written by something other than regqa ingest)"
_ALTERED = "text or metadata changed after ingest (hash mismatch)"
_MISSING = "recorded in the registry but not in the collection"
# Registry fields stored as JSON text (Chroma metadata holds scalars only), with their empty value.
_JSON_FIELDS = {"units": {}, "replaces": [], "unit_hashes": {}}


def _record(meta: dict) -> dict:
    """A registry record as stored (JSON text in the fields Chroma cannot hold) -> as written."""
    d = dict(meta)
    for key, empty in _JSON_FIELDS.items():
        if isinstance(d.get(key), str):
            d[key] = json.loads(d[key]) if d[key] else empty
    return d


def chunk_hash(text: str, meta: dict) -> str:
    """The integrity hash of a chunk as stored (its text and its metadata dict): 128 bits of sha256."""
    payload = json.dumps([text, *(meta.get(f, "") for f in _HASHED_FIELDS)], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def hash_of(chunk: Chunk) -> str:
    return chunk_hash(chunk.text, chunk.to_metadata())


def _hash_list(registry_document: str | None) -> list[str] | None:
    """The chunk hashes a registry record's document holds; None for a record written before them."""
    try:
        hashes = json.loads(registry_document or "").get("chunk_hashes")
    except (ValueError, AttributeError):  # a title: the document of a record without chunk hashes
        return None
    return hashes if isinstance(hashes, list) else None


def _listed(cid: str, meta: dict, hashes: list[str]) -> str | None:
    """The hash the registry lists for a chunk of the live version under this id; None: it lists no such
    chunk. Ids are made as in ingest/splitter.py, so position ``seq`` has exactly one id."""
    seq = meta.get("seq")
    if not (isinstance(seq, int) and 0 <= seq < len(hashes)):
        return None
    return hashes[seq] if cid == f"{meta.get('doc_id')}:{str(meta.get('file_hash'))[:12]}:{seq}" else None


def _problem(cid: str, text: str, meta: dict, hashes: list[str] | None) -> str:
    """Why a chunk of a live document version must not be used ("" when it may be)."""
    if hashes is None:
        return ""  # unchecked: recorded before chunk hashes
    listed = _listed(cid, meta, hashes)
    if listed is None:
        return _UNLISTED
    return "" if chunk_hash(text, meta) == listed else _ALTERED


@dataclass
class IntegrityReport:
    """What ``ChunkStore.check()`` found: chunks readers ignore, and documents it could not check."""

    problems: list[dict] = field(default_factory=list)  # {"doc_id", "chunk_id", "reason"}
    unchecked: list[str] = field(default_factory=list)  # doc_ids whose record has no chunk hashes yet
    checked: int = 0  # chunks of live versions whose hash matched

    @property
    def ok(self) -> bool:
        return not self.problems


def _auth_error(e: Exception) -> bool:
    from chromadb.errors import AuthorizationError, ChromaAuthError

    return isinstance(e, ChromaAuthError | AuthorizationError)


def _refused(settings: Settings) -> BackendUnavailable:
    # Names the setting, never its value.
    why = ("REGQA_CHROMA_TOKEN was not accepted" if settings.chroma_token else
           "it requires a token and REGQA_CHROMA_TOKEN is not set")
    return BackendUnavailable(f"the Chroma server at {settings.chroma_url} refused the request: {why}")


def make_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        if settings.chroma_token:  # chromadb sends it as "Authorization: Bearer <token>" on every request
            chroma_settings = ChromaSettings(
                anonymized_telemetry=False, allow_reset=False,
                chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",
                chroma_client_auth_credentials=settings.chroma_token)
        u = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        try:
            client = chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or 8000,
                                         ssl=u.scheme == "https", settings=chroma_settings)
            client.heartbeat()
        except Exception as e:  # connection refused, DNS, TLS: all mean "server not usable"
            if _auth_error(e):
                raise _refused(settings) from None
            if "Invalid token" in str(e):  # chromadb's check of the token's characters (message has no token)
                raise BackendUnavailable("REGQA_CHROMA_TOKEN must be ASCII letters, digits and punctuation") from None
            raise BackendUnavailable(f"cannot reach the Chroma server at {settings.chroma_url} ({type(e).__name__}: "
                                     f"{str(e)[:200]}); is `chroma run` up? unset REGQA_CHROMA_URL for embedded mode") from e
        return client
    path = settings.chroma_dir
    if is_read_only(settings):
        path = _private_copy(path)
    else:
        path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def is_read_only(settings: Settings) -> bool:
    """An embedded index that exists but cannot be written (a read-only mount or permissions)."""
    if settings.chroma_url or not settings.chroma_dir.is_dir():
        return False
    db = settings.chroma_dir / "chroma.sqlite3"
    return not os.access(settings.chroma_dir, os.W_OK) or (db.exists() and not os.access(db, os.W_OK))


def _private_copy(path) -> str:
    """Chroma writes to its database even to read it, so a read-only index is read from a copy in a
    temporary folder, removed at exit. Writing stays refused (ChunkStore checks before every write)."""
    tmp = tempfile.mkdtemp(prefix="regqa-readonly-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    copy = os.path.join(tmp, "chroma")
    shutil.copytree(path, copy)
    for root, dirs, files in os.walk(copy):  # the copy keeps the read-only modes: make it ours to open
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o700 if name in dirs else 0o600)
    os.chmod(copy, 0o700)
    log.warning("the index at %s is read-only: answering from a private copy; ingest and remove need it writable",
                path)
    return copy


class ChunkStore:
    def __init__(self, settings: Settings | None = None, embedder=None, client=None):
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        self._client = client
        self._chunks = None
        self._docs = None

    # -- connections (lazy: opening Chroma and loading the model cost seconds) --
    @property
    def embedder(self):
        if self._embedder is None:
            from rag.index.embeddings import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    @property
    def client(self):
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def _writable(self) -> None:
        if is_read_only(self.settings):
            raise BackendUnavailable(f"the index at {self.where} is read-only: it can be read, not written "
                                     "(ingest and remove need write access to REGQA_DATA_DIR)")

    def _guard(self, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except BackendUnavailable:
            raise
        except Exception as e:
            if self.settings.chroma_url and _auth_error(e):
                raise _refused(self.settings) from None
            if self.settings.chroma_url and _is_connection_error(e):
                raise BackendUnavailable(f"the Chroma server at {self.settings.chroma_url} stopped answering "
                                         f"({type(e).__name__})") from e
            raise

    @property
    def chunks(self):
        if self._chunks is None:
            self._chunks = self._guard(self.client.get_or_create_collection, self.settings.collection,
                                       metadata={"hnsw:space": "cosine", "embedder": self.settings.embedder},
                                       embedding_function=None)
            built_with = (self._chunks.metadata or {}).get("embedder")
            if built_with and built_with != self.settings.embedder:
                raise BackendUnavailable(
                    f"the index in {self.where()} was built with embedder {built_with!r} but REGQA_EMBEDDER is "
                    f"{self.settings.embedder!r}; set it back or re-ingest into a new REGQA_DATA_DIR/collection")
        return self._chunks

    @property
    def docs(self):
        if self._docs is None:
            self._docs = self._guard(self.client.get_or_create_collection, f"{self.settings.collection}__docs",
                                     embedding_function=None)
        return self._docs

    def where(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_dir)

    # -- registry --
    def documents(self) -> list[dict]:
        res = self._guard(self.docs.get, include=["metadatas"])
        return sorted((_record(m) for m in res["metadatas"] or []), key=lambda d: d.get("doc_id", ""))

    def document(self, doc_id: str) -> dict | None:
        res = self._guard(self.docs.get, ids=[doc_id], include=["metadatas"])
        if not res["ids"]:
            return None
        return _record(res["metadatas"][0])

    def active_hashes(self) -> dict[str, str]:
        return {d["doc_id"]: d.get("file_hash", "") for d in self.documents()}

    def version(self) -> str:
        """Changes whenever a document is added, replaced or removed, or gets its chunk hashes (cache key
        for BM25)."""
        h = hashlib.sha1()
        for d in self.documents():
            h.update(f"{d['doc_id']}:{d.get('file_hash')}:{d.get('chunks')}:{d.get('version_format')};".encode())
        return h.hexdigest()

    def live_versions(self, doc_ids: list[str] | None = None) -> dict[str, tuple[str, list[str] | None]]:
        """doc_id -> (live file hash, the chunk hashes its registry record lists by position, or None for a
        record written before them), read in one go so that both are of the same version."""
        res = self._guard(self.docs.get, ids=doc_ids, include=["metadatas", "documents"])
        return {i: ((m or {}).get("file_hash", ""), _hash_list(d))
                for i, m, d in zip(res["ids"], res["metadatas"], res["documents"], strict=True)}

    # -- writes --
    def intact_ids(self, chunks: list[Chunk]) -> set[str]:
        """Ids of ``chunks`` already stored exactly as given (same hash): an ingest reuses those and
        rewrites the others, so a chunk altered in place is repaired rather than kept."""
        want = {c.chunk_id: hash_of(c) for c in chunks}
        ids = list(want)
        found: set[str] = set()
        for i in range(0, len(ids), _PAGE):
            res = self._guard(self.chunks.get, ids=ids[i:i + _PAGE], include=["metadatas", "documents"])
            found.update(cid for cid, m, text in zip(res["ids"], res["metadatas"], res["documents"], strict=True)
                         if chunk_hash(text, m) == want[cid])
        return found

    def add_chunks(self, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        if not chunks:
            return
        self._writable()
        self._guard(self.chunks.upsert, ids=[c.chunk_id for c in chunks], embeddings=embeddings,
                    documents=[c.text for c in chunks],
                    metadatas=[{**c.to_metadata(), "chunk_hash": hash_of(c)} for c in chunks])

    def commit_document(self, record: dict) -> None:
        """Make ``record['file_hash']`` the live version of the document, then drop older chunks.
        ``record['chunk_hashes']`` (by chunk position) is switched in the same write; a record given
        without them keeps the ones stored."""
        self._writable()
        record = {**record, "ingested_at": record.get("ingested_at") or time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        hashes = record.pop("chunk_hashes", None)
        if hashes is None:
            hashes = self.live_versions([record["doc_id"]]).get(record["doc_id"], ("", None))[1]
        meta = {k: (json.dumps(v) if isinstance(v, dict | list) else ("" if v is None else v))
                for k, v in record.items()}
        document = json.dumps({"chunk_hashes": hashes}) if hashes is not None else record.get("title", "")
        self._guard(self.docs.upsert, ids=[record["doc_id"]], embeddings=[[1.0]],
                    documents=[document], metadatas=[meta])
        self._guard(self.chunks.delete, where={"$and": [{"doc_id": record["doc_id"]},
                                                        {"file_hash": {"$ne": record["file_hash"]}}]})

    def remove_document(self, doc_id: str) -> bool:
        self._writable()
        existed = self.document(doc_id) is not None
        self._guard(self.docs.delete, ids=[doc_id])
        self._guard(self.chunks.delete, where={"doc_id": doc_id})
        return existed

    def drop_orphans(self) -> int:
        """Delete chunks that belong to no live document version (left by an interrupted ingest), and
        chunks that claim a live version under an id its registry record does not list (readers ignore
        them). Told from metadata alone, so no text is read; a listed chunk altered in place is rewritten
        by the next ingest of its document (``regqa ingest --force``), not deleted."""
        live = self.live_versions()
        stale: list[str] = []
        for ids, metas in self._pages(include=["metadatas"]):
            for cid, m in zip(ids, metas, strict=True):
                file_hash, hashes = live.get(m.get("doc_id"), ("", None))
                if file_hash != m.get("file_hash") or hashes is not None and _listed(cid, m, hashes) is None:
                    stale.append(cid)
        for i in range(0, len(stale), _PAGE):
            self._guard(self.chunks.delete, ids=stale[i:i + _PAGE])
        return len(stale)

    # -- reads --
    def count(self) -> int:
        return int(self._guard(self.chunks.count))

    def _pages(self, include, where=None):
        offset = 0
        while True:
            res = self._guard(self.chunks.get, include=include, where=where, limit=_PAGE, offset=offset)
            if not res["ids"]:
                return
            yield res["ids"], res["metadatas"] if "metadatas" in include else None, *(
                [res["documents"]] if "documents" in include else [])
            offset += len(res["ids"])

    @staticmethod
    def _trusted(cid: str, text: str, m: dict, live: dict[str, tuple[str, list[str] | None]]) -> bool:
        """Whether a chunk belongs to its document's live version and has the hash the registry lists."""
        file_hash, hashes = live.get(m.get("doc_id"), ("", None))
        if not file_hash or file_hash != m.get("file_hash"):
            return False  # another version: written by an ingest under way or killed, or older
        problem = _problem(cid, text, m, hashes)
        if problem:
            log.warning("ignoring chunk %s of %s: %s; see `regqa sources --check`", cid, m.get("doc_id"), problem)
        return not problem

    def all_chunks(self, where: dict | None = None) -> list[Chunk]:
        """Every live chunk (for BM25 and article lookup), in document order; chunks whose hash is not
        the registry's are left out (and logged)."""
        live = self.live_versions()
        out: list[Chunk] = []
        for ids, metas, docs in self._pages(include=["metadatas", "documents"], where=where):
            out += [Chunk.from_metadata(text, m) for cid, text, m in zip(ids, docs, metas, strict=True)
                    if self._trusted(cid, text, m, live)]
        out.sort(key=lambda c: (c.doc_id, c.seq))
        return out

    def check(self) -> IntegrityReport:
        """Every chunk of a live document version that readers ignore, and every chunk the registry
        records that the collection lacks (``regqa sources --check``)."""
        live = self.live_versions()
        report = IntegrityReport(unchecked=sorted(d for d, (_, hashes) in live.items() if hashes is None))
        seen: dict[str, set[int]] = {}
        for ids, metas, docs in self._pages(include=["metadatas", "documents"]):
            for cid, text, m in zip(ids, docs, metas, strict=True):
                doc_id = m.get("doc_id")
                file_hash, hashes = live.get(doc_id, ("", None))
                if file_hash != m.get("file_hash") or hashes is None:
                    continue  # another version (dropped by the next ingest), or unchecked
                seen.setdefault(doc_id, set()).add(m.get("seq"))  # an altered chunk is reported once, not as missing
                problem = _problem(cid, text, m, hashes)
                if problem:
                    report.problems.append({"doc_id": doc_id, "chunk_id": cid, "reason": problem})
                else:
                    report.checked += 1
        for doc_id, (file_hash, hashes) in live.items():
            report.problems += [{"doc_id": doc_id, "chunk_id": f"{doc_id}:{file_hash[:12]}:{seq}", "reason": _MISSING}
                                for seq in range(len(hashes or [])) if seq not in seen.get(doc_id, set())]
        report.problems.sort(key=lambda p: (p["doc_id"], p["chunk_id"]))
        return report

    def dense_search(self, query: str, k: int, where: dict | None = None) -> list[tuple[Chunk, float]]:
        """Top-k chunks by embedding similarity (cosine, higher is closer), live versions only."""
        if self.count() == 0:
            return []
        live = self.active_hashes()
        if not live:
            return []
        # Filter to live versions inside the query: chunks of an ingest still under way (or killed)
        # must not crowd the live ones out of the top k.
        live_only = {"file_hash": {"$in": sorted(set(live.values()))}}
        where = {"$and": [where, live_only]} if where else live_only
        vec = self.embedder.embed_query(query)
        res = self._guard(self.chunks.query, query_embeddings=[vec], n_results=k, where=where,
                          include=["documents", "metadatas", "distances"])
        hits = list(zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True)) \
            if res["ids"] and res["ids"][0] else []
        if not hits:
            return []
        # The hits' registry records, read again with their chunk hashes (a few documents, not all).
        versions = self.live_versions(sorted({str(m.get("doc_id")) for _, _, m, _ in hits}))
        return [(Chunk.from_metadata(text, m), 1.0 - float(distance))
                for cid, text, m, distance in hits if self._trusted(cid or str(m.get("chunk_id")), text, m, versions)]


def _is_connection_error(e: Exception) -> bool:
    names = {type(x).__name__ for x in (e, e.__cause__, e.__context__) if x is not None}
    text = str(e).lower()
    return bool(names & {"ConnectError", "ConnectionError", "ConnectTimeout", "ReadTimeout", "RemoteProtocolError",
                         "ConnectionRefusedError"}) or "connection refused" in text or "could not connect" in text
