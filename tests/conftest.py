"""Shared test fixtures: settings in a temporary data dir, small real indexes
built from chosen corpus documents, and one full-corpus index per test session.

Everything is real: the corpus files, the MiniLM model, an embedded Chroma.
Set REGQA_TEST_INDEX_DIR to reuse an already built full index while developing.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.core.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# The `regqa` and `python -c` subprocesses the tests start import this checkout, not whichever one the venv
# has installed in editable mode (a second worktree would otherwise test the main checkout's code there).
_ROOT = str(Path(__file__).resolve().parents[1])
if os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] != _ROOT:
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH", "")) if p)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    d = Settings.from_env().corpus_dir
    if not d.is_dir():
        pytest.fail(f"shared corpus not found at {d}: set REGQA_CORPUS_DIR")
    return d


def _settings_for(data_dir: Path, corpus: Path) -> Settings:
    return Settings.from_env(data_dir=data_dir, corpus_dir=corpus, chroma_url="", llm="offline",
                             upload_dir=data_dir / "uploads", feedback_db=data_dir / "feedback.sqlite3")


def build_index(data_dir: Path, corpus: Path, doc_ids: list[str] | None = None) -> Settings:
    """Ingest the default sources (or only ``doc_ids``) into ``data_dir``; returns its settings."""
    from ingest.indexer import Indexer
    from ingest.sources import default_items

    settings = _settings_for(data_dir, corpus)
    items, missing = default_items(settings)
    if doc_ids is not None:
        unknown = set(doc_ids) - {m.doc_id for _, m in items}
        assert not unknown, f"unknown doc_ids {unknown}"
        items = [(p, m) for p, m in items if m.doc_id in doc_ids]
    report = Indexer(settings, progress=False).ingest(items)
    assert not report.errors, [r.error for r in report.errors]
    return settings


@pytest.fixture(scope="session")
def small_index_factory(tmp_path_factory, corpus_dir):
    """build(doc_ids) -> Settings of a fresh index holding just those documents (cached per set)."""
    cache: dict[tuple, Settings] = {}

    def build(doc_ids: list[str]) -> Settings:
        key = tuple(sorted(doc_ids))
        if key not in cache:
            cache[key] = build_index(tmp_path_factory.mktemp("idx"), corpus_dir, list(key))
        return cache[key]

    return build


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, corpus_dir) -> Settings:
    """Settings of an index of the whole default corpus (built once per session)."""
    reuse = os.environ.get("REGQA_TEST_INDEX_DIR")
    if reuse:
        return _settings_for(Path(reuse), corpus_dir)
    return build_index(tmp_path_factory.mktemp("corpus_index"), corpus_dir)


@pytest.fixture
def tmp_settings(tmp_path, corpus_dir) -> Settings:
    """Settings of an empty index in a temporary directory."""
    return _settings_for(tmp_path / "data", corpus_dir)


_INDEX_FIXTURES = {"corpus_index", "small_index_factory", "retriever", "assistant"}


def pytest_collection_modifyitems(config, items):
    """Mark every test that builds a real index ("index"), so the fast tier (`make test-fast`:
    -m "not slow and not browser and not integration and not index") runs only what needs none."""
    import inspect

    for item in items:
        fn = getattr(item, "function", None)
        try:
            src = inspect.getsource(fn) if fn else ""
        except (OSError, TypeError):
            src = ""
        if _INDEX_FIXTURES & set(getattr(item, "fixturenames", ())) or "build_index(" in src or "Indexer(" in src:
            item.add_marker(pytest.mark.index)
