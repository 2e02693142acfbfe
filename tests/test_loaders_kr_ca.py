"""Korean (law.go.kr / MOLEG XML) and Canadian (Justice Laws XML) loaders on the real corpus files.

Expected counts come from corpus/sources.toml ``expected``.
"""
from __future__ import annotations

import pytest

from tests.loader_support import chunks_of, expected_count_mismatches, load_docs, wrong_loaders

DOCS = {"kr-ai-basic-act-ko": "moleg_xml", "kr-ai-basic-act-en": "moleg_xml",
        "kr-ai-basic-act-en-2025": "moleg_xml", "ca-pipeda-en": "justice_xml"}


@pytest.fixture(scope="module")
def docs(corpus_dir):
    return load_docs(corpus_dir, DOCS)


def _by_number(doc, kind="article"):
    return {u.number: u for u in doc.units if u.kind == kind}


def test_registry_picks_the_right_loader(docs):
    assert not wrong_loaders(docs, DOCS)


def test_counts_match_sources_toml(docs):
    for doc_id, (_, doc) in docs.items():
        assert not expected_count_mismatches(doc_id, doc)
    # The Korean original and the current English translation have expectations.
    assert sum(len(doc.meta.expected) for _, doc in docs.values()) >= 2


def test_every_unit_has_text_and_a_unique_number(docs):
    for doc_id, (_, doc) in docs.items():
        assert all(u.text.strip() and u.number for u in doc.units), doc_id
        main = [u.number for u in doc.units if u.kind in ("article", "section")]
        assert len(main) == len(set(main)), doc_id


def test_korean_branch_articles_and_labels(docs):
    ko = _by_number(docs["kr-ai-basic-act-ko"][1])
    en = _by_number(docs["kr-ai-basic-act-en"][1])
    for n in ("17-2", "22-2", "22-3"):
        assert n in ko and n in en, n
    assert ko["22-2"].label == "제22조의2" and ko["31"].label == "제31조"
    assert ko["31"].title == "인공지능 투명성 확보 의무" and "투명성" in ko["31"].title
    assert en["31"].label == "Article 31" and "transparency" in en["31"].title.lower()
    # Articles keep document order, with branch articles after their base article.
    numbers = [u.number for u in docs["kr-ai-basic-act-en"][1].units if u.kind == "article"]
    assert numbers.index("17-2") == numbers.index("17") + 1
    assert [u.number for u in docs["kr-ai-basic-act-ko"][1].units if u.kind == "article"] == numbers
    # 17-2 and 22-3 come from the amendment text of the Korean file; the loader says so.
    assert any("17-2" in w for w in docs["kr-ai-basic-act-ko"][1].warnings)
    assert "비용" in ko["17-2"].text


def test_korean_paragraphs_items_and_headings(docs):
    ko = _by_number(docs["kr-ai-basic-act-ko"][1])
    assert [p.num for p in ko["43"].paragraphs] == ["1", "2"]
    assert "3천만원 이하의 과태료" in ko["43"].paragraphs[0].text
    assert "\n1. 제31조제1항을 위반하여" in ko["43"].paragraphs[0].text  # items are lines of their paragraph
    assert ko["43"].heading_path == ["제6장 벌칙"]
    assert ko["13"].heading_path == ["제3장 인공지능기술 개발 및 산업 육성", "제1절 인공지능산업 기반 조성"]
    assert ko["16"].heading_path[-1].startswith("제2절")
    en = _by_number(docs["kr-ai-basic-act-en"][1])
    assert en["43"].heading_path == ["CHAPTER VI PENALTY PROVISIONS"]
    assert "30 million won" in en["43"].text and en["43"].paragraphs[0].num == "1"
    assert not en["1"].text.startswith("Article 1")  # the label is not repeated in the body


def test_korean_addenda_are_supplementary(docs):
    for doc_id in ("kr-ai-basic-act-ko", "kr-ai-basic-act-en"):
        suppl = [u for u in docs[doc_id][1].units if u.kind == "supplementary"]
        assert len(suppl) == 3, doc_id
        assert all(u.number.startswith("suppl-") for u in suppl)
    en = [u for u in docs["kr-ai-basic-act-en"][1].units if u.kind == "supplementary"]
    assert "enter into force 1 year after" in en[0].text


def test_enactment_translation_lacks_later_articles(docs):
    old = _by_number(docs["kr-ai-basic-act-en-2025"][1])
    assert "17-2" not in old and "22-2" not in old and "43" in old


def test_pipeda_sections(docs):
    doc = docs["ca-pipeda-en"][1]
    secs = _by_number(doc, "section")
    assert {"2", "4.01", "7", "10.1"} <= set(secs)
    assert secs["4.01"].title == "Business contact information"
    assert secs["10.1"].label == "Section 10.1"
    assert secs["10.1"].heading_path == ["PART 1 Protection of Personal Information in the Private Sector",
                                        "DIVISION 1.1 Breaches of Security Safeguards"]
    assert [p.num for p in secs["10.1"].paragraphs][:3] == ["1", "2", "3"]
    assert "real risk of significant harm" in secs["10.1"].paragraphs[0].text
    assert "\n(b.1) it is contained in a witness statement" in secs["7"].paragraphs[0].text
    assert "29" in secs and "*" not in secs["29"].number  # footnote markers are not part of numbers
    annexes = [u for u in doc.units if u.kind == "annex"]
    assert annexes and "Accountability" in annexes[0].text
    # Amendments not yet in force (section 10.4 on data mobility) are not presented as law.
    assert "10.4" not in secs and any("not in force" in w for w in doc.warnings)


def test_chunks_carry_law_and_article(docs):
    for doc_id in ("kr-ai-basic-act-ko", "ca-pipeda-en"):
        doc = docs[doc_id][1]
        chunks = chunks_of(doc)
        assert len(chunks) >= len(doc.units)
        for c in chunks:
            assert c.law_id == doc.meta.law_id and c.article and c.unit_kind and c.jurisdiction
        assert any(c.article == "22-2" or c.article == "10.1" for c in chunks)
