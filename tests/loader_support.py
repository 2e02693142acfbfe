"""Plain helpers for the loader tests (tests/test_loaders_*.py): the source list by
doc_id, loading a corpus document through the registry as ingest does, the
checks of loader choice and of unit counts against ``expected`` in
corpus/sources.toml, and chunking a document as the indexer does.

Not fixtures on purpose: conftest.py belongs to the lead, and plain functions keep
each test module's own fixtures (scope, doc lists) visible where they are used.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.loaders.registry import load_document, pick_loader
from ingest.model import DocMeta, ParsedDocument
from ingest.sources import load_source_list
from ingest.splitter import to_chunks
from rag.core.settings import Settings
from rag.core.types import Chunk


def source_metas() -> dict[str, DocMeta]:
    """corpus/sources.toml entries by doc_id."""
    return {m.doc_id: m for m in load_source_list(Settings.from_env())}


def load_meta(corpus_dir: Path, meta: DocMeta) -> tuple[str, ParsedDocument]:
    """(name of the loader the registry picks, parsed document) for one source-list entry."""
    path = corpus_dir / meta.source_file
    return pick_loader(path, meta).NAME, load_document(path, meta)


def load_docs(corpus_dir: Path, doc_ids) -> dict[str, tuple[str, ParsedDocument]]:
    """load_meta for each doc_id of the source list."""
    metas = source_metas()
    return {doc_id: load_meta(corpus_dir, metas[doc_id]) for doc_id in doc_ids}


def expected_count_mismatches(doc_id: str, doc: ParsedDocument) -> list[str]:
    """One message per unit kind whose count differs from sources.toml ``expected``."""
    return [f"{doc_id}: {kind} {doc.count(kind)} != expected {n}"
            for kind, n in doc.meta.expected.items() if doc.count(kind) != n]


def wrong_loaders(docs: dict[str, tuple[str, ParsedDocument]], want: dict[str, str]) -> list[str]:
    """doc_ids for which the registry picked another loader than ``want`` names."""
    return [f"{doc_id}: {docs[doc_id][0]} != {name}" for doc_id, name in want.items() if docs[doc_id][0] != name]


def chunks_of(doc: ParsedDocument) -> list[Chunk]:
    """Chunks as the indexer makes them (source hash from the doc_id, chunk size from the settings)."""
    digest = hashlib.sha256(doc.meta.doc_id.encode()).hexdigest()
    return to_chunks(doc, digest, Settings.from_env().max_chunk_chars)
