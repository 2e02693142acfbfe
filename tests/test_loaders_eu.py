"""EUR-Lex loader on the real OJ XHTML files and the consolidated ePrivacy HTML.

Expected unit counts come from corpus/sources.toml ``expected``, not from this file.
"""
from __future__ import annotations

import pytest

from ingest.loaders.registry import load_document, pick_loader
from ingest.splitter import to_chunks
from tests.loader_support import expected_count_mismatches, load_docs

EU_DOCS = ["eu-ai-act", "eu-gdpr", "eu-dsa", "eu-dma", "eu-eprivacy"]


@pytest.fixture(scope="module")
def docs(corpus_dir):
    return load_docs(corpus_dir, EU_DOCS)


def _unit(doc, kind, number):
    found = [u for u in doc.units if u.kind == kind and u.number == number]
    assert len(found) == 1, f"{kind} {number}: {len(found)} units"
    return found[0]


@pytest.mark.parametrize("doc_id", EU_DOCS)
def test_loader_and_expected_counts(docs, doc_id):
    name, doc = docs[doc_id]
    assert name == "eurlex_html"
    assert not expected_count_mismatches(doc_id, doc)
    numbers = [u.number for u in doc.units if u.kind == "article"]
    assert len(numbers) == len(set(numbers)), "duplicate article numbers"


def test_expected_counts_are_declared(docs):
    # The four OJ acts must carry counts in sources.toml, or the test above checks nothing.
    for doc_id in ("eu-ai-act", "eu-gdpr", "eu-dsa", "eu-dma"):
        assert docs[doc_id][1].meta.expected.get("article"), doc_id


def test_ai_act_article_99_penalties(docs):
    doc = docs["eu-ai-act"][1]
    art = _unit(doc, "article", "99")
    assert art.label == "Article 99" and art.title == "Penalties"
    assert art.heading_path and art.heading_path[0].startswith("Chapter XII")
    assert "Penalties" in art.heading_path[0]
    paras = {p.num: p.text for p in art.paragraphs}
    assert "35 000 000" in paras["3"] and "7 %" in paras["3"]
    # Points (a), (b) stay inside paragraph 4 rather than becoming paragraphs of their own.
    assert "(a) obligations of providers pursuant to Article 16" in paras["4"]
    assert "(a)" not in paras


def test_ai_act_article_5_title_and_chapter(docs):
    art = _unit(docs["eu-ai-act"][1], "article", "5")
    assert art.title == "Prohibited AI practices"
    assert any("Chapter" in h for h in art.heading_path)
    assert [p.num for p in art.paragraphs][:3] == ["1", "2", "3"]


def test_section_in_heading_path(docs):
    art = _unit(docs["eu-gdpr"][1], "article", "12")
    assert art.heading_path[0].startswith("Chapter III")
    assert art.heading_path[1].startswith("Section 1")


def test_recital_text(docs):
    rec = _unit(docs["eu-ai-act"][1], "recital", "27")
    assert rec.label == "(27)"
    assert rec.text.startswith("While the risk-based approach")
    assert "(27)" not in rec.text


def test_annex_iii(docs):
    anx = _unit(docs["eu-ai-act"][1], "annex", "III")
    assert anx.label == "ANNEX III"
    assert "High-risk AI systems" in anx.title
    assert "Biometrics" in anx.text and "Employment" in anx.text


def test_no_footnotes_or_markers(docs):
    for doc_id, (_, doc) in docs.items():
        for u in doc.units:
            assert "▼" not in u.text and "►" not in u.text, (doc_id, u.label)
            assert "()" not in u.text, (doc_id, u.label)
    # The OJ header ("Official Journal of the European Union") is not a unit of its own.
    assert not any("Official Journal of the European Union" in u.text[:60] for u in docs["eu-ai-act"][1].units)


def test_eprivacy_inserted_paragraphs(docs):
    art = _unit(docs["eu-eprivacy"][1], "article", "15")
    assert [p.num for p in art.paragraphs][:3] == ["1", "1a", "1b"]
    assert _unit(docs["eu-eprivacy"][1], "article", "5").title == "Confidentiality of the communications"


def test_chunks_carry_article_and_paragraph(docs):
    doc = docs["eu-ai-act"][1]
    chunks = to_chunks(doc, "0" * 64, max_chars=1200)
    art99 = [c for c in chunks if c.unit_kind == "article" and c.article == "99"]
    assert len(art99) > 1
    assert any("35 000 000" in c.body and "3" in c.paragraph for c in art99)
    assert all(c.heading_path.startswith("Chapter XII") for c in art99)


def test_eurlex_page_without_articles_falls_back_to_generic_html(tmp_path):
    from ingest.sources import user_meta

    page = tmp_path / "summary.html"
    page.write_text('<html><body><div class="eli-container"><h2>Summary</h2><p>EUR-Lex summary text.</p>'
                    "</div></body></html>", encoding="utf-8")
    meta = user_meta(page, tmp_path)
    assert pick_loader(page, meta).NAME == "eurlex_html"
    doc = load_document(page, meta)
    assert "EUR-Lex summary text." in doc.units[0].text
    assert any("generic HTML" in w for w in doc.warnings)
