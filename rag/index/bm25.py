"""The BM25 index over every live chunk of the store, with filters.

Postings are numpy arrays (compressed sparse rows by term: ``offsets``, ``docs``, ``tfs``), so the
same index can be built in memory from chunks or loaded from the file ``rag/index/lexical.py``
persists beside Chroma, memory-mapped and shared by every process that reads it. Scores are
computed with exactly the arithmetic of the former pure-Python index (same float operations in the
same order, ties broken by the same first-seen order), so results are identical to it, score for
score and rank for rank (tests/test_lexical_index.py compares them).

``rag.index.lexical.index_for(store)`` gives the index of the store's current state: cached per
process, else loaded from the persisted file, else built (and persisted when the data dir is writable).
"""
from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable
from itertools import repeat

import numpy as np

from rag.core.text import tokenize
from rag.core.types import Chunk

_K1 = 1.2
_B = 0.75


class BM25Index:
    """BM25 over ``chunks``; build with ``BM25Index(chunks)`` or ``BM25Index.from_arrays`` (a loaded file)."""

    def __init__(self, chunks: list[Chunk], counts: list[list[tuple[str, int]]] | None = None):
        """``counts``: each chunk's (term, tf) pairs in first-occurrence order, when already known (an
        update reusing unchanged chunks' tokens); else every chunk's text is tokenised."""
        vocab: dict[str, int] = {}
        # Compact typed arrays, not lists of Python ints: a million chunks make ~80M postings.
        term_ids, doc_ids, tfs, lengths = array("q"), array("i"), array("i"), array("i")
        for i, c in enumerate(chunks):
            # The unit label and title are part of the chunk text's header line; index the text.
            pairs = counts[i] if counts is not None else Counter(tokenize(c.text)).items()
            before = len(tfs)
            for term, tf in pairs:
                term_ids.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
            doc_ids.extend(repeat(i, len(tfs) - before))
            lengths.append(sum(tfs[before:]))
        t = np.frombuffer(term_ids, dtype=np.int64)
        order = np.argsort(t, kind="stable")  # by term, each term's postings in document order
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(t, minlength=len(vocab)), out=offsets[1:])
        tf_arr = np.frombuffer(tfs, dtype=np.int32)[order]
        df = np.diff(offsets)
        n = len(chunks)
        # Python's math.log, not np.log: the idf must be the former index's to the last bit.
        idf = np.array([math.log(1 + (n - int(d) + 0.5) / (int(d) + 0.5)) for d in df], dtype=np.float64)
        self._init(chunks, list(vocab), offsets, np.frombuffer(doc_ids, dtype=np.int32)[order],
                   tf_arr.astype(_tf_dtype(tf_arr)), np.frombuffer(lengths, dtype=np.int32).copy(), idf)

    @classmethod
    def from_arrays(cls, chunks: list[Chunk], terms: list[str], offsets, docs, tfs, lengths, idf) -> BM25Index:
        self = cls.__new__(cls)
        self._init(chunks, terms, offsets, docs, tfs, lengths, idf)
        return self

    def _init(self, chunks, terms, offsets, docs, tfs, lengths, idf) -> None:
        self.chunks = chunks
        self.terms = terms
        self.vocab = {t: i for i, t in enumerate(terms)}
        self.offsets, self.docs, self.tfs, self.lengths, self.idf = offsets, docs, tfs, lengths, idf
        n = len(chunks)
        self.avgdl = (int(lengths.sum(dtype=np.int64)) / n) if n else 0.0
        # The length part of each document's BM25 denominator, as the former index computed it per posting.
        self._norm = _K1 * (1 - _B + _B * lengths.astype(np.float64) / (self.avgdl or 1))

    def __len__(self) -> int:
        return len(self.chunks)

    def share(self, term: str) -> float:
        """The share of chunks that contain ``term`` (0 for a term no chunk has), from its idf."""
        i = self.vocab.get(term)
        if i is None or not len(self.chunks):
            return 0.0
        r = math.exp(float(self.idf[i])) - 1  # idf = ln(1 + (n - df + 0.5) / (df + 0.5))
        return min(1.0, max(0.0, (len(self.chunks) + 0.5 - 0.5 * r) / (r + 1) / len(self.chunks)))

    def counts(self) -> list[list[tuple[str, int]]]:
        """Each chunk's (term, tf) pairs (the postings turned back per chunk), for an update that keeps them."""
        term_of = np.repeat(np.arange(len(self.terms)), np.diff(self.offsets))
        order = np.argsort(self.docs, kind="stable")
        bounds = np.searchsorted(self.docs[order], np.arange(len(self.chunks) + 1))
        t_sorted, tf_sorted = term_of[order].tolist(), self.tfs[order].tolist()
        terms = self.terms
        return [[(terms[t], tf) for t, tf in zip(t_sorted[a:b], tf_sorted[a:b], strict=True)]
                for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]

    def search(self, query: str | list[str], k: int = 30, allow: Callable[[Chunk], bool] | None = None,
               weights: dict[str, float] | None = None) -> list[tuple[Chunk, float]]:
        """Top-k (chunk, score); ``allow`` filters chunks, ``weights`` scales query terms (expansion terms < 1)."""
        terms = tokenize(query) if isinstance(query, str) else list(query)
        if not terms or not self.chunks:
            return []
        n = len(self.chunks)
        scores = np.zeros(n, dtype=np.float64)
        first = np.full(n, -1, dtype=np.int32)  # the query term that first scored the chunk (tie order)
        state = np.zeros(n, dtype=np.int8) if allow else None  # 0 unknown, 1 allowed, 2 filtered out
        for t_i, (term, qn) in enumerate(Counter(terms).items()):
            tid = self.vocab.get(term)
            if tid is None:
                continue
            a, b = int(self.offsets[tid]), int(self.offsets[tid + 1])
            docs = self.docs[a:b]
            tf = self.tfs[a:b].astype(np.float64)
            if state is not None:
                for i in docs[state[docs] == 0].tolist():
                    state[i] = 1 if allow(self.chunks[i]) else 2
                keep = state[docs] == 1
                docs, tf = docs[keep], tf[keep]
            w = float(self.idf[tid]) * (weights or {}).get(term, 1.0) * (1 + 0.2 * (qn - 1))
            # Same operations, same order as the former per-posting loop: w * tf * (k1 + 1) / (tf + norm).
            scores[docs] += w * tf * (_K1 + 1) / (tf + self._norm[docs])
            fresh = docs[first[docs] < 0]
            first[fresh] = t_i
        cand = np.flatnonzero(first >= 0)
        if not len(cand):
            return []
        sc = scores[cand]
        if len(cand) > k:  # only the k best (and any tied with the k-th) need ordering
            kth = np.partition(sc, len(sc) - k)[len(sc) - k]
            cand, sc = cand[sc >= kth], sc[sc >= kth]
        # Descending score; ties in the order chunks were first scored (query term, then document order),
        # as the former index's stable sort of its score dict gave them.
        top = np.lexsort((cand, first[cand], -sc))[:k]
        return [(self.chunks[i], float(s)) for i, s in zip(cand[top].tolist(), sc[top].tolist(), strict=True)]


def _tf_dtype(tfs: np.ndarray):
    return np.uint16 if not len(tfs) or int(tfs.max()) < 2**16 else np.int32
