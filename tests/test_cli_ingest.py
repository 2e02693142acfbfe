"""`regqa ingest`, `regqa sources --json`, `regqa remove` as a user runs them (real subprocesses)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LAW = "Article 1 Scope\nThis Act applies to robots.\n\nArticle 2 Duties\nOperators shall keep logs.\n"


def _regqa(*args, data_dir: Path, check_rc: int | None = 0) -> subprocess.CompletedProcess:
    env = dict(os.environ, REGQA_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", REGQA_CHROMA_URL="")
    exe = shutil.which("regqa", path=str(Path(sys.executable).parent)) or "regqa"
    p = subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=600)
    if check_rc is not None:
        assert p.returncode == check_rc, p.stderr
    return p


def test_help_explains_every_command(tmp_path):
    out = _regqa("--help", data_dir=tmp_path).stdout
    for cmd in ("ingest", "sources", "remove", "ask"):
        assert cmd in out
    assert "REGQA_CORPUS_DIR" in _regqa("ingest", "--help", data_dir=tmp_path).stdout


@pytest.mark.index  # ingests real text through `regqa ingest` processes: a real Chroma index
def test_ingest_sources_remove_roundtrip(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "robots.txt").write_text(LAW, encoding="utf-8")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    data = tmp_path / "data"

    p = _regqa("ingest", str(docs), "--jurisdiction", "EU", "--json", data_dir=data, check_rc=1)
    report = json.loads(p.stdout)
    assert report["totals"]["documents"] == 1 and report["totals"]["errors"] == 1
    assert "broken.pdf" in p.stderr  # one-line error naming the file

    listed = json.loads(_regqa("sources", "--json", data_dir=data).stdout)
    assert len(listed) == 1
    (doc,) = listed
    assert doc["jurisdiction"] == "EU" and doc["source_file"] == "robots.txt" and doc["chunks"] >= 2
    assert {"doc_id", "title", "language", "units"} <= set(doc)

    again = json.loads(_regqa("ingest", str(docs / "robots.txt"), "--json", data_dir=data).stdout)
    assert again["totals"]["embedded"] == 0

    _regqa("remove", doc["doc_id"], data_dir=data)
    assert json.loads(_regqa("sources", "--json", data_dir=data).stdout) == []
    assert _regqa("remove", "no-such-doc", data_dir=data, check_rc=1).returncode == 1


@pytest.mark.parametrize("args", [["ingest", "/no/such/path"]])
def test_missing_path_is_reported(tmp_path, args):
    p = _regqa(*args, data_dir=tmp_path / "d", check_rc=None)
    assert p.returncode != 0 and "/no/such/path" in p.stderr
