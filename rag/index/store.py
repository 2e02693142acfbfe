"""The Chroma index: chunks with their embeddings, and a registry of documents.

Embedded (``PersistentClient`` under ``<data_dir>/chroma``) by default, or a
Chroma server when ``REGQA_CHROMA_URL`` is set. Chunks go through LangChain's
Chroma vector store; the registry is a second, tiny collection with one record
per document (title, file hash, chunk count).

Why a registry: a document's new chunks are written first, then its registry
record is switched to the new file hash, then the old chunks are deleted. Readers
only trust chunks whose file hash matches the registry, so a crash or SIGKILL in
the middle leaves the previous version visible and the next ingest finishes the
job. Removing a document deletes its registry record first for the same reason.
"""
from __future__ import annotations

import hashlib
import json
import time
from urllib.parse import urlparse

from rag.core.errors import BackendUnavailable
from rag.core.settings import Settings
from rag.core.types import Chunk

_PAGE = 2000  # rows per Chroma get(): bounded memory for large collections
# Registry fields stored as JSON text (Chroma metadata holds scalars only), with their empty value.
_JSON_FIELDS = {"units": {}, "replaces": [], "unit_hashes": {}}


def _record(meta: dict) -> dict:
    """A registry record as stored (JSON text in the fields Chroma cannot hold) -> as written."""
    d = dict(meta)
    for key, empty in _JSON_FIELDS.items():
        if isinstance(d.get(key), str):
            d[key] = json.loads(d[key]) if d[key] else empty
    return d


def make_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        u = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        try:
            client = chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or 8000,
                                         ssl=u.scheme == "https", settings=chroma_settings)
            client.heartbeat()
        except Exception as e:  # connection refused, DNS, TLS: all mean "server not usable"
            raise BackendUnavailable(f"cannot reach the Chroma server at {settings.chroma_url} ({type(e).__name__}: "
                                     f"{str(e)[:200]}); is `chroma run` up? unset REGQA_CHROMA_URL for embedded mode") from e
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


class ChunkStore:
    def __init__(self, settings: Settings | None = None, embedder=None, client=None):
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        self._client = client
        self._vs = None
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

    def _guard(self, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except BackendUnavailable:
            raise
        except Exception as e:
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

    @property
    def vectorstore(self):
        """The LangChain Chroma vector store over the chunk collection."""
        if self._vs is None:
            from langchain_chroma import Chroma

            self._vs = Chroma(client=self.client, collection_name=self.settings.collection,
                              embedding_function=self.embedder,
                              collection_metadata={"hnsw:space": "cosine", "embedder": self.settings.embedder})
            _ = self.chunks  # checks the embedder recorded with the collection
        return self._vs

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
        """Changes whenever a document is added, replaced or removed (cache key for BM25)."""
        h = hashlib.sha1()
        for d in self.documents():
            h.update(f"{d['doc_id']}:{d.get('file_hash')}:{d.get('chunks')};".encode())
        return h.hexdigest()

    # -- writes --
    def existing_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), _PAGE):
            res = self._guard(self.chunks.get, ids=ids[i:i + _PAGE], include=[])
            found.update(res["ids"])
        return found

    def add_chunks(self, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        if not chunks:
            return
        self._guard(self.chunks.upsert, ids=[c.chunk_id for c in chunks], embeddings=embeddings,
                    documents=[c.text for c in chunks], metadatas=[c.to_metadata() for c in chunks])

    def commit_document(self, record: dict) -> None:
        """Make ``record['file_hash']`` the live version of the document, then drop older chunks."""
        record = {**record, "ingested_at": record.get("ingested_at") or time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        meta = {k: (json.dumps(v) if isinstance(v, dict | list) else ("" if v is None else v))
                for k, v in record.items()}
        self._guard(self.docs.upsert, ids=[record["doc_id"]], embeddings=[[1.0]],
                    documents=[record.get("title", "")], metadatas=[meta])
        self._guard(self.chunks.delete, where={"$and": [{"doc_id": record["doc_id"]},
                                                        {"file_hash": {"$ne": record["file_hash"]}}]})

    def remove_document(self, doc_id: str) -> bool:
        existed = self.document(doc_id) is not None
        self._guard(self.docs.delete, ids=[doc_id])
        self._guard(self.chunks.delete, where={"doc_id": doc_id})
        return existed

    def drop_orphans(self) -> int:
        """Delete chunks that belong to no live document version (left by an interrupted ingest)."""
        live = self.active_hashes()
        stale: list[str] = []
        for ids, metas in self._pages(include=["metadatas"]):
            stale += [i for i, m in zip(ids, metas, strict=True) if live.get(m.get("doc_id")) != m.get("file_hash")]
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

    def all_chunks(self, where: dict | None = None) -> list[Chunk]:
        """Every live chunk (for BM25 and article lookup), in document order."""
        live = self.active_hashes()
        out: list[Chunk] = []
        for _ids, metas, docs in self._pages(include=["metadatas", "documents"], where=where):
            for text, m in zip(docs, metas, strict=True):
                if live.get(m.get("doc_id")) == m.get("file_hash"):
                    out.append(Chunk.from_metadata(text, m))
        out.sort(key=lambda c: (c.doc_id, c.seq))
        return out

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
        pairs = self._guard(self.vectorstore.similarity_search_with_score, query, k=k, filter=where)
        out = []
        for doc, distance in pairs:
            m = doc.metadata
            if live.get(m.get("doc_id")) == m.get("file_hash"):
                out.append((Chunk.from_metadata(doc.page_content, m), 1.0 - float(distance)))
        return out


def _is_connection_error(e: Exception) -> bool:
    names = {type(x).__name__ for x in (e, e.__cause__, e.__context__) if x is not None}
    text = str(e).lower()
    return bool(names & {"ConnectError", "ConnectionError", "ConnectTimeout", "ReadTimeout", "RemoteProtocolError",
                         "ConnectionRefusedError"}) or "connection refused" in text or "could not connect" in text
