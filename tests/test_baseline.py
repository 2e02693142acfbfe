"""The tutorial baseline RAG (bench/baseline.py) on a real 2-document index with the real MiniLM."""
from __future__ import annotations

from statistics import median

import pytest

from bench.baseline import CHUNK_SIZE, BaselineRAG, article_headings, baseline_hit_matches
from rag.evaluation.goldset import GoldRef

DOCS = ["jp-ai-promotion-act-en", "us-ca-sb53"]


@pytest.mark.index  # builds the baseline's own Chroma index of two real laws
def test_baseline_top4_of_1000_char_chunks(tmp_settings):
    base = BaselineRAG(tmp_settings, doc_ids=DOCS, progress=False)
    n = base.build()
    assert n > 40  # ~85k characters of law text in 1000-character pieces
    ans = base.answer("What must a large frontier developer publish about its frontier AI framework?")
    assert len(ans.hits) == 4 and len(ans.citations) == 4
    assert {h.chunk.doc_id for h in ans.hits} <= set(DOCS)
    assert any(h.chunk.doc_id == "us-ca-sb53" for h in ans.hits)
    sizes = [len(h.chunk.text) for h in ans.hits]
    assert max(sizes) <= CHUNK_SIZE and median(sizes) > 500, sizes
    assert all(c.article == "" for c in ans.citations)
    assert ans.hits[0].chunk.text[:50] in ans.text  # the answer is the retrieved text

    stamp = base.root / "fingerprint.txt"
    before = stamp.stat().st_mtime_ns
    assert BaselineRAG(tmp_settings, doc_ids=DOCS, progress=False).build() == n  # cached, not rebuilt
    assert stamp.stat().st_mtime_ns == before


def test_generous_heading_rule():
    assert {"16", "26-2", "31-2", "22757.1", "iii"} <= article_headings(
        "Article 16\n第二十六条の二 제31조의2\n22757.1. (a) text ANNEX III")
    from rag.core.types import Chunk, Hit

    def h(text):
        return Hit(chunk=Chunk(chunk_id="x", doc_id="d", law_id="l", text=text, body=text,
                               source_file="jp/ai-promotion-act-2025/source/x.xml"))

    gold = GoldRef(doc="jp/ai-promotion-act-2025", article="16")
    assert baseline_hit_matches(h("... Article 16 (Guidance, Advice) The State ..."), gold)
    assert baseline_hit_matches(h("第十六条　国は"), gold)
    assert not baseline_hit_matches(h("Article 17 only, and 16 as a plain number"), gold)
    assert not baseline_hit_matches(h("Article 16"), GoldRef(doc="eu/ai-act-2024-1689", article="16"))
