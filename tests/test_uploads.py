"""ingest/uploads.py: hostile names stay inside the upload dir, limits and the allow-list hold,
and a good upload is really ingested while a bad one fails alone with a clear message."""
from __future__ import annotations

import pytest

from ingest.errors import IngestError
from ingest.uploads import ingest_uploads, safe_name, save_upload


@pytest.mark.parametrize("name", ["../../x.pdf", "..\\..\\x.pdf", "/etc/passwd.txt", "a/../../b/x.pdf",
                                  "....//x.pdf", "C:\\Windows\\x.pdf", ".hidden.md", "x\x00.pdf.txt"])
def test_traversal_names_stay_inside(tmp_settings, name):
    p = save_upload(name, b"hello world", tmp_settings)
    root = tmp_settings.uploads.resolve()
    assert p.parent == root
    assert p.read_bytes() == b"hello world"
    assert ".." not in p.name and "/" not in p.name and "\\" not in p.name and not p.name.startswith(".")


def test_safe_name_keeps_a_normal_name():
    assert safe_name("My Policy (v2).PDF") == "My_Policy_v2.pdf"
    assert safe_name("社内規程.md") == "社内規程.md"


def test_size_limit(tmp_settings):
    s = tmp_settings.with_(upload_max_mb=1)
    with pytest.raises(IngestError, match=r"big.pdf: file too large"):
        save_upload("big.pdf", b"x" * (2**20 + 1), s)
    assert not (s.uploads / "big.pdf").exists()
    save_upload("ok.pdf", b"x" * 2**20, s)  # exactly at the limit is allowed


@pytest.mark.parametrize("name", ["evil.exe", "script.sh", "noext", "x.pdf.exe", "archive.zip"])
def test_bad_extension(tmp_settings, name):
    with pytest.raises(IngestError, match="not allowed"):
        save_upload(name, b"data", tmp_settings)
    assert not tmp_settings.uploads.exists() or not any(tmp_settings.uploads.iterdir())


def test_empty_file_refused(tmp_settings):
    with pytest.raises(IngestError, match="empty"):
        save_upload("e.txt", b"", tmp_settings)


def test_ingest_uploads_good_and_bad(tmp_settings):
    from rag.index.store import ChunkStore

    text = (b"Internal AI policy\n\nArticle 1 Purpose\nStaff must log every use of generative AI tools.\n\n"
            b"Article 2 Penalties\nBreaches are reported to the compliance officer.\n")
    seen = []
    rep = ingest_uploads([("policy.txt", text), ("../bad.exe", b"MZ"), ("broken.pdf", b"not a pdf at all")],
                         tmp_settings, jurisdiction="jp", on_progress=lambda f, label: seen.append(f))
    by_name = {r.name: r for r in rep.results}
    assert by_name["policy.txt"].ok and by_name["policy.txt"].chunks >= 1
    assert not by_name["../bad.exe"].ok and "not allowed" in by_name["../bad.exe"].message
    bad_pdf = [r for r in rep.results if "broken.pdf" in r.name]
    assert bad_pdf and not bad_pdf[0].ok and "broken.pdf" in bad_pdf[0].message
    assert not (tmp_settings.uploads / "broken.pdf").exists() and (tmp_settings.uploads / "policy.txt").exists()
    assert seen and seen[-1] == 1.0
    docs = {d["doc_id"]: d for d in ChunkStore(tmp_settings).documents()}
    assert "user-policy-txt" in docs and docs["user-policy-txt"]["jurisdiction"] == "JP"
