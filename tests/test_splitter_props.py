"""Property-based tests of the splitter: no text lost or duplicated, metadata always present."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit
from ingest.splitter import split_unit, to_chunks

WORDS = st.sampled_from(["the", "provider", "shall", "fine", "EUR", "35 000 000", "(a)", "Article 5;", "人工知能",
                         "の", "推進", "。", "제31조", "penalty.", "deployer:", "x" * 40, "\u00a0", "；"])
SENTENCE = st.lists(WORDS, min_size=1, max_size=60).map(" ".join)
PARA_TEXT = st.lists(SENTENCE, min_size=1, max_size=8).map(lambda s: " ".join(s))
UNIT = st.builds(
    lambda kind, num, paras: Unit(kind=kind, number=num, label=f"Article {num}", title="Title",
                                  heading_path=["Chapter I"],
                                  paragraphs=[Paragraph(str(i + 1), t) for i, t in enumerate(paras)]),
    st.sampled_from(["article", "recital", "annex", "section"]),
    st.from_regex(r"[1-9][0-9]{0,2}(-[2-9])?", fullmatch=True),
    st.lists(PARA_TEXT, min_size=1, max_size=6))


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@settings(max_examples=200, deadline=None)
@given(UNIT, st.integers(min_value=60, max_value=1500))
def test_pieces_rebuild_the_unit_exactly(unit, max_chars):
    pieces = split_unit(unit, max_chars)
    assert pieces
    assert _squash("".join(body for _, body in pieces)) == _squash(unit.text)  # nothing lost, nothing doubled
    for para, body in pieces:
        assert len(body) <= max_chars * 1.5 + 1 or len(pieces) == 1 and len(unit.text) <= max_chars
        if len(pieces) > 1:
            assert para, "a piece of a split unit must say which paragraphs it holds"


@settings(max_examples=100, deadline=None)
@given(st.lists(UNIT, min_size=1, max_size=5), st.integers(min_value=60, max_value=1200))
def test_chunks_carry_metadata(units, max_chars):
    meta = DocMeta(doc_id="d1", law_id="law-1", title="Model Act", short_name="MA", citation_name="Act No. 1",
                   jurisdiction="EU", language="en", version="2024", official_url="https://example.org/ma",
                   source_file="eu/ma.txt", kind="law", loader="text")
    doc = ParsedDocument(meta=meta, units=units)
    chunks = to_chunks(doc, "f" * 64, max_chars)
    assert _squash("".join(c.body for c in chunks)) == _squash("".join(u.text for u in units))
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.doc_id == "d1" and c.law_id == "law-1" and c.jurisdiction == "EU" and c.language == "en"
        assert c.article and c.unit_kind and c.source_file == "eu/ma.txt" and c.official_url
        assert c.content_hash and c.file_hash == "f" * 64
        header, body = c.text.split("\n", 1)
        assert f"Article {c.article}" in header and "MA" in header  # every piece repeats law and article
        assert body == c.body
        meta_back = c.to_metadata()
        assert all(v is not None for v in meta_back.values())
