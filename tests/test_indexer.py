"""Incremental, idempotent ingestion into a real embedded Chroma with the real MiniLM model."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ingest.indexer import Indexer
from ingest.sources import collect
from rag.index.store import ChunkStore

LAW_V1 = """Model Act on Widgets

Article 1 Purpose
This Act lays down rules for the safe making of widgets.

Article 2 Definitions
For the purposes of this Act, a widget means a small mechanical device.

Article 3 Penalties
A person who sells an unsafe widget shall be liable to a fine of up to 500 thalers.
"""


def _ingest(settings, *paths: Path):
    items, missing = collect(list(paths), settings)
    assert not missing
    return Indexer(settings, progress=False).ingest(items)


def _articles(settings, doc_id: str) -> dict[str, str]:
    return {c.article: c.body for c in ChunkStore(settings).all_chunks({"doc_id": doc_id})}


def test_ingest_is_idempotent_and_replaces_changed_files(tmp_settings, tmp_path):
    law = tmp_path / "docs" / "widgets.txt"
    law.parent.mkdir()
    law.write_text(LAW_V1, encoding="utf-8")

    first = _ingest(tmp_settings, law.parent)
    assert first.ok, first.to_dict()
    (res,) = first.results
    assert res.status == "added" and res.embedded == res.chunks >= 3
    doc_id = res.doc_id
    arts = _articles(tmp_settings, doc_id)
    assert {"1", "2", "3"} <= set(arts)
    assert "500 thalers" in arts["3"]

    again = _ingest(tmp_settings, law.parent)
    assert again.results[0].status == "unchanged"
    assert again.totals()["embedded"] == 0
    assert ChunkStore(tmp_settings).count() == res.chunks

    law.write_text(LAW_V1.replace("500 thalers", "900 thalers") + "\nArticle 4 Entry into force\n"
                   "This Act enters into force on 1 May.\n", encoding="utf-8")
    changed = _ingest(tmp_settings, law.parent)
    (res2,) = changed.results
    assert res2.status == "replaced" and res2.doc_id == doc_id
    arts = _articles(tmp_settings, doc_id)
    assert "900 thalers" in arts["3"] and "4" in arts
    # exactly the new chunks remain: no stale "500 thalers" copy, no duplicates
    store = ChunkStore(tmp_settings)
    bodies = [c.body for c in store.all_chunks()]
    assert not any("500 thalers" in b for b in bodies)
    assert store.count() == res2.chunks == len(bodies)
    assert [d["doc_id"] for d in store.documents()] == [doc_id]


def test_new_chunk_size_resplits_an_unchanged_file(tmp_settings, tmp_path):
    # Without the split settings in the version marker, the old chunks would stay live and the new
    # size would never take effect (same file bytes, same chunk ids).
    law = tmp_path / "docs" / "widgets.txt"
    law.parent.mkdir()
    long_art = "Article 9 Duties\n" + "\n".join(f"{i}. The maker shall keep record number {i} of every widget sold."
                                                 for i in range(1, 9))
    law.write_text(LAW_V1 + "\n" + long_art + "\n", encoding="utf-8")
    first = _ingest(tmp_settings, law.parent).results[0]
    smaller = replace(tmp_settings, max_chunk_chars=200)
    second = _ingest(smaller, law.parent).results[0]
    assert second.status == "replaced" and second.chunks > first.chunks
    store = ChunkStore(smaller)
    nine = [c for c in store.all_chunks({"doc_id": first.doc_id}) if c.article == "9"]
    assert len(nine) > 1 and all(len(c.body) <= 300 for c in nine)
    assert store.count() == second.chunks  # the old pieces are gone
    assert _ingest(smaller, law.parent).results[0].status == "unchanged"


def test_splitter_does_not_cut_after_an_abbreviation():
    from ingest.model import Paragraph, Unit
    from ingest.splitter import split_unit

    text = ("The purpose of this Act is to promote research " + "and development " * 30
            + "in conjunction with the Basic Act (Act No. 130 of 1995) and Art. 5 of it. A second sentence follows here.")
    unit = Unit(kind="article", number="1", label="Article 1", title="", heading_path=[],
                paragraphs=[Paragraph("", text)])
    pieces = [body for _, body in split_unit(unit, 500)]
    assert len(pieces) == 2, pieces
    assert pieces[0].endswith("of it. ") and not any(p.rstrip().endswith(("No.", "Art.")) for p in pieces)


def test_failure_in_one_document_keeps_the_others_and_the_old_version(tmp_settings, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(LAW_V1, encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text(LAW_V1.replace("widgets", "gadgets"), encoding="utf-8")
    assert _ingest(tmp_settings, good, other).ok
    before = ChunkStore(tmp_settings).count()

    # the indexed file turns into garbage and an empty file is added alongside
    other.write_bytes(b"\x00\x01\x02binary\xff\xfe" * 100)
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    report = _ingest(tmp_settings, good, other, empty)
    assert not report.ok
    failed = {Path(r.source_file).name: r.error for r in report.errors}
    assert set(failed) == {"other.txt", "empty.txt"}
    assert all(name in err for name, err in failed.items())  # each error names its file
    assert ChunkStore(tmp_settings).count() == before  # the old version of other.txt is still there


def test_remove_deletes_document_and_chunks(tmp_settings, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(LAW_V1, encoding="utf-8")
    b.write_text(LAW_V1.replace("widgets", "gizmos"), encoding="utf-8")
    report = _ingest(tmp_settings, a, b)
    ids = {r.source_file: r.doc_id for r in report.results}
    indexer = Indexer(tmp_settings, progress=False)
    assert indexer.remove(ids["a.txt"])
    assert not indexer.remove(ids["a.txt"])
    store = ChunkStore(tmp_settings)
    assert [d["doc_id"] for d in store.documents()] == [ids["b.txt"]]
    assert {c.doc_id for c in store.all_chunks()} == {ids["b.txt"]}


def test_version_data_is_recorded_and_updated_without_re_embedding(tmp_settings, tmp_path):
    from rag.index.versions import Versions

    law = tmp_path / "docs" / "widgets.txt"
    law.parent.mkdir()
    law.write_text(LAW_V1)
    items, _ = collect([law], tmp_settings)
    res = Indexer(tmp_settings, progress=False).ingest(items).results[0]
    store = ChunkStore(tmp_settings)
    rec = store.document(res.doc_id)
    assert set(rec["unit_hashes"]) >= {"article:1", "article:2", "article:3"}
    # the uploader (or sources.toml) gives dates later: only the registry record changes
    path, meta = items[0]
    meta.adopted, meta.in_force, meta.replaces = "2020-01-02", "2020-03-01", ["user-older-widgets"]
    again = Indexer(tmp_settings, progress=False).ingest([(path, meta)]).results[0]
    assert again.status == "updated" and again.embedded == 0
    rec = store.document(res.doc_id)
    assert rec["adopted"] == "2020-01-02" and rec["replaces"] == ["user-older-widgets"]
    st = Versions.from_records(store.documents()).status(res.doc_id, "article", "3", "2021-01-01")
    assert st.state == "in_force" and "in force since 1 March 2020" in st.note
    assert Indexer(tmp_settings, progress=False).ingest([(path, meta)]).results[0].status == "unchanged"
