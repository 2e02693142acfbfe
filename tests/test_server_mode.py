"""Server mode: ingest and answer against a real `chroma run` server; a clear error when it is down; behind
the token proxy, clients without REGQA_CHROMA_TOKEN are refused; chunks forged on an open server are ignored."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.chroma_server import chroma_server, free_port
from ingest.indexer import Indexer
from ingest.sources import collect, default_items
from rag.core.errors import BackendUnavailable
from rag.index.store import ChunkStore
from tests.test_chunk_integrity import DOC, LAW, assert_not_retrieved, forge

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


TOKEN = "regqa-test-token-3f9c1a7e5b2d4c6a"


def _raw_client(url: str, **kw):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.HttpClient(host="127.0.0.1", port=int(url.rsplit(":", 1)[1]),
                               settings=ChromaSettings(anonymized_telemetry=False), **kw)


def test_an_auth_on_server_refuses_every_client_without_the_token(tmp_settings, tmp_path):
    from chromadb.errors import ChromaAuthError

    with chroma_server(tmp_path / "server", token=TOKEN) as server:
        for headers in ({}, {"Authorization": "Bearer not-the-token-at-all"}):
            with pytest.raises(ChromaAuthError):  # the client checks its tenant on creation: refused already
                _raw_client(server.url, headers=headers)
            for method, path in (("GET", "heartbeat"), ("POST", "tenants/default_tenant/databases/default_database"
                                                                "/collections")):
                req = urllib.request.Request(f"{server.url}/api/v2/{path}", method=method, headers=headers,
                                             data=b'{"name": "planted"}' if method == "POST" else None)
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(req, timeout=10)
                assert refused.value.code == 401

        settings = tmp_settings.with_(chroma_url=server.url, chroma_token=TOKEN)
        law = tmp_path / "docs" / "widgets.txt"
        law.parent.mkdir()
        law.write_text(LAW, encoding="utf-8")
        items, _ = collect([law], settings)
        report = Indexer(settings, progress=False).ingest(items)
        assert report.ok and ChunkStore(settings).count() == report.totals()["chunks"]
        authorized = _raw_client(server.url, headers={"Authorization": f"Bearer {TOKEN}"})
        assert "planted" not in {c.name for c in authorized.list_collections()}

        env = {"REGQA_CHROMA_URL": server.url, "REGQA_DATA_DIR": str(tmp_path / "unused")}
        listed = _regqa("sources", "--json", env_extra={**env, "REGQA_CHROMA_TOKEN": TOKEN})
        assert listed.returncode == 0 and [d["doc_id"] for d in json.loads(listed.stdout)] == [items[0][1].doc_id]
        for token, why, args in (("", "REGQA_CHROMA_TOKEN is not set", ["sources"]),
                                 ("", "REGQA_CHROMA_TOKEN is not set", ["ask", "what fines apply to widgets?"]),
                                 ("wrong-" + TOKEN, "REGQA_CHROMA_TOKEN was not accepted", ["sources"])):
            p = _regqa(*args, env_extra={**env, "REGQA_CHROMA_TOKEN": token})
            assert p.returncode == 3, p.stderr
            lines = p.stderr.strip().splitlines()
            assert len(lines) == 1 and why in lines[0] and "refused" in lines[0], p.stderr
            assert TOKEN not in p.stderr and TOKEN not in p.stdout


def test_chunks_forged_on_an_open_server_are_not_retrieved_and_reported(tmp_settings, tmp_path):
    with chroma_server(tmp_path / "server") as server:  # no token: any client on the network may write
        settings = tmp_settings.with_(chroma_url=server.url)
        items = [(p, m) for p, m in default_items(settings)[0] if m.doc_id == DOC]
        assert Indexer(settings, progress=False).ingest(items).ok
        store = ChunkStore(settings)
        altered, added = forge(_raw_client(server.url), settings, store.embedder)
        assert_not_retrieved(ChunkStore(settings, embedder=store.embedder), (altered, added))

        p = _regqa("sources", "--check", "--json",
                   env_extra={"REGQA_CHROMA_URL": server.url, "REGQA_DATA_DIR": str(tmp_path / "unused")})
        assert p.returncode == 1, p.stderr
        assert {x["chunk_id"] for x in json.loads(p.stdout)["problems"]} == {altered, added}
