"""Server mode: ingest and answer against a real `chroma run` server; a clear error when it is down."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.chroma_server import chroma_server, free_port
from ingest.indexer import Indexer
from ingest.sources import default_items
from rag.core.errors import BackendUnavailable
from rag.index.store import ChunkStore

DOCS = ["jp-ai-promotion-act-en", "jp-ai-promotion-act-ja"]


def _regqa(*args, env_extra: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", **env_extra)
    exe = Path(sys.executable).parent / "regqa"
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=600)


def test_ingest_and_answer_against_a_chroma_server(tmp_settings, tmp_path):
    with chroma_server(tmp_path / "server") as server:
        url = server.url
        settings = tmp_settings.with_(chroma_url=url)
        items, _ = default_items(settings)
        items = [(p, m) for p, m in items if m.doc_id in DOCS]
        report = Indexer(settings, progress=False).ingest(items)
        assert report.ok and report.totals()["documents"] == 2
        assert not settings.chroma_dir.exists()  # nothing was written to the embedded store
        assert ChunkStore(settings).count() == report.totals()["chunks"]

        from rag import Assistant

        ans = Assistant.from_settings(settings).answer("what penalties does Japan's AI law carry?")
        assert any(c.article == "16" and c.doc_id in DOCS for c in ans.citations), ans.text

        env = {"REGQA_CHROMA_URL": url, "REGQA_DATA_DIR": str(tmp_path / "unused")}
        listed = json.loads(_regqa("sources", "--json", env_extra=env).stdout)
        assert sorted(d["doc_id"] for d in listed) == sorted(DOCS)


def test_server_down_gives_a_clear_error(tmp_settings, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    with pytest.raises(BackendUnavailable, match="127.0.0.1"):
        ChunkStore(tmp_settings.with_(chroma_url=url)).count()
    for args in (["sources"], ["ask", "what penalties does Japan's AI law carry?"]):
        p = _regqa(*args, env_extra={"REGQA_CHROMA_URL": url, "REGQA_DATA_DIR": str(tmp_path / "d")})
        assert p.returncode == 3, p.stderr
        assert "Traceback" not in p.stderr and url.split("//")[1] in p.stderr
