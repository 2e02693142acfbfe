"""Settings come from REGQA_* variables with defaults, and nothing else."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.core.settings import Settings


def test_defaults(monkeypatch):
    for k in list(__import__("os").environ):
        if k.startswith("REGQA_"):
            monkeypatch.delenv(k)
    s = Settings.from_env()
    assert s.data_dir == Path("./data") and s.embedder == "minilm" and s.llm == "offline"
    assert s.chroma_url == "" and s.app_auth == "none"
    assert s.corpus_dir.name == "corpus" and s.corpus_dir.parent.name == "shared"
    assert s.feedback_path == Path("./data/feedback.sqlite3") and s.uploads == Path("./data/uploads")


def test_derived_caches_are_shared_by_every_data_dir(monkeypatch, tmp_path):
    # The ONNX models and the glossary derive from installed packages, not from an index: one build serves
    # every data dir (the tests' and the evaluation's temporary copies too), unless a setting places them.
    for k in list(__import__("os").environ):
        if k.startswith("REGQA_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    a, b = Settings.from_env(data_dir=tmp_path / "a"), Settings.from_env(data_dir=tmp_path / "b")
    assert a.glossary_path == b.glossary_path == tmp_path / "regqa" / "glossary"
    assert a.models_path == tmp_path / "regqa" / "models"
    monkeypatch.setenv("REGQA_GLOSSARY_DIR", str(tmp_path / "g"))
    assert Settings.from_env().glossary_path == tmp_path / "g"


def test_env_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("REGQA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REGQA_TOP_K", "9")
    monkeypatch.setenv("REGQA_CHROMA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("REGQA_APP_PASSWORD", "s3cret")
    s = Settings.from_env()
    assert s.data_dir == tmp_path and s.top_k == 9 and s.chroma_url == "http://127.0.0.1:9"
    assert s.app_auth == "password"  # a password alone switches the gate on
    assert s.chroma_dir == tmp_path / "chroma"


def test_with_rejects_unknown_settings():
    s = Settings.from_env(top_k=3)
    assert s.top_k == 3
    with pytest.raises(TypeError, match="unknown settings"):
        s.with_(topk=3)
