"""Faults: full disk, read-only data directory, oversized files, deeply nested markup.

The disk tests mount a small tmpfs (root in this sandbox and in CI may mount);
a real full or read-only filesystem, not a mock.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.indexer import Indexer
from ingest.loaders.registry import load_document
from ingest.sources import collect, user_meta
from rag.core.errors import BackendUnavailable
from rag.index.store import ChunkStore

ARTICLE = "Article {n} Duties\nThe operator of system {n} shall keep records of every decision for ten years.\n\n"


@pytest.fixture
def small_fs(tmp_path):
    """A 4 MB tmpfs; unmounted afterwards."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _write_docs(folder: Path, n_docs: int, n_articles: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(n_docs):
        (folder / f"law{d}.txt").write_text("".join(ARTICLE.format(n=i + 1) for i in range(n_articles)) +
                                            f"Document {d}.", encoding="utf-8")
    return folder


def _regqa(*args, data_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, REGQA_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", REGQA_CHROMA_URL="")
    return subprocess.run([str(Path(sys.executable).parent / "regqa"), *args], env=env, capture_output=True,
                          text=True, timeout=900)


@pytest.mark.index  # ingests real text through `regqa ingest` processes: a real Chroma index
def test_full_disk_gives_a_clear_error(small_fs, tmp_path):
    docs = _write_docs(tmp_path / "docs", 40, 60)
    p = _regqa("ingest", str(docs), "--no-progress", data_dir=small_fs / "data")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "Traceback" not in p.stderr
    assert str(small_fs / "data") in p.stderr


@pytest.mark.index  # ingests real text through `regqa ingest` processes: a real Chroma index
def test_read_only_data_dir_gives_a_clear_error_and_keeps_the_index(small_fs, tmp_path, tmp_settings):
    docs = _write_docs(tmp_path / "docs", 1, 5)
    data = small_fs / "data"
    assert _regqa("ingest", str(docs), "--no-progress", data_dir=data).returncode == 0
    (docs / "law0.txt").write_text(ARTICLE.format(n=9), encoding="utf-8")  # a change to ingest
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    try:
        p = _regqa("ingest", str(docs), "--no-progress", data_dir=data)
        assert p.returncode == 3, p.stdout + p.stderr
        assert "Traceback" not in p.stderr and str(data) in p.stderr
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    store = ChunkStore(tmp_settings.with_(data_dir=data))
    assert {c.article for c in store.all_chunks()} == {"1", "2", "3", "4", "5"}  # the old version is intact


def test_oversized_file_is_refused_before_reading(tmp_path, tmp_settings):
    big = tmp_path / "huge.txt"
    with big.open("wb") as f:  # 50 MB of text, sparse on disk
        f.truncate(50 * 2**20)
        f.seek(0)
        f.write(ARTICLE.format(n=1).encode())
    items, _ = collect([big], tmp_settings)
    report = Indexer(tmp_settings, progress=False).ingest(items)
    (res,) = report.results
    assert res.status == "failed" and "huge.txt" in res.error and "too large" in res.error
    with pytest.raises(IngestError, match="too large"):
        load_document(big, user_meta(big, big))


def test_the_file_size_limit_is_the_callers_not_the_environments(tmp_path, monkeypatch):
    monkeypatch.setenv("REGQA_MAX_FILE_MB", "0")  # ignored: the loaders read no environment
    f = tmp_path / "act.txt"
    f.write_text(ARTICLE.format(n=1) * 20, encoding="utf-8")
    assert load_document(f, user_meta(f, f)).units
    with pytest.raises(IngestError, match="too large"):
        load_document(f, user_meta(f, f), max_bytes=100)


@pytest.mark.parametrize("suffix,opening,closing", [(".html", "<div>", "</div>"), (".xml", "<a>", "</a>")])
def test_deeply_nested_markup_is_bounded(tmp_path, suffix, opening, closing):
    f = tmp_path / f"nested{suffix}"
    depth = 50_000
    body = "Article 1 Scope\nThis text sits at the bottom of a very deep tree."
    head = "<html><body>" if suffix == ".html" else '<?xml version="1.0"?>'
    tail = "</body></html>" if suffix == ".html" else ""
    f.write_text(head + opening * depth + body + closing * depth + tail, encoding="utf-8")
    try:
        doc = load_document(f, user_meta(f, f))
    except IngestError as e:  # refusing is fine, as long as it says which file and why
        assert "nested" in str(e)
        return
    assert "bottom of a very deep tree" in " ".join(u.text for u in doc.units)


def test_xml_entity_expansion_is_not_performed(tmp_path):
    f = tmp_path / "bomb.xml"
    ents = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    lol = "".join(ents)
    f.write_text(f'<?xml version="1.0"?><!DOCTYPE r [{lol}]><r><p>Article 1 Scope</p><p>&l9;</p></r>',
                 encoding="utf-8")
    try:
        doc = load_document(f, user_meta(f, f))
    except IngestError as e:
        assert "bomb.xml" in str(e)
        return
    assert sum(len(u.text) for u in doc.units) < 100_000  # 10^9 "lol"s were not expanded


def test_chroma_server_down_is_backend_unavailable(tmp_settings):
    with pytest.raises(BackendUnavailable):
        ChunkStore(tmp_settings.with_(chroma_url="http://127.0.0.1:9")).count()
