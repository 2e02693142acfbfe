"""Japanese law loaders (e-Gov XML, Japanese Law Translation XML) on the real corpus files.

Expected article counts come from corpus/sources.toml ``expected``, not from this file.
"""
from __future__ import annotations

import pytest

from ingest.loaders import egov_xml, jlt_xml
from ingest.loaders.jlaw_common import article_number
from ingest.loaders.registry import load_document
from tests.loader_support import chunks_of, expected_count_mismatches, load_docs, wrong_loaders

JP_XML = {"jp-ai-promotion-act-ja": "egov_xml", "jp-ai-promotion-act-en": "jlt_xml",
          "jp-appi-ja": "egov_xml", "jp-appi-en": "jlt_xml", "jp-penal-code-ja": "egov_xml"}


@pytest.fixture(scope="module")
def docs(corpus_dir):
    return load_docs(corpus_dir, JP_XML)


# Kanji numerals themselves (十六, 一〇五, ...) are tested with numerals.py in test_loaders_generic.py.


def test_article_numbers_from_labels():
    assert article_number("第二十六条の二") == "26-2"
    assert article_number("第十六条") == "16"
    assert article_number("第二百三十四条の二の三") == "234-2-3"
    assert article_number("Article 26-2") == "26-2"
    assert article_number("附則") == ""


def test_registry_picks_the_right_loader(docs):
    assert not wrong_loaders(docs, JP_XML)


def test_counts_match_sources_toml(docs):
    for doc_id, (_, doc) in docs.items():
        assert not expected_count_mismatches(doc_id, doc)
    # The APPI translation has no `expected` entry in sources.toml; it must match the Japanese original.
    assert docs["jp-appi-en"][1].count("article") == docs["jp-appi-ja"][1].count("article")


def test_every_unit_has_text_and_unique_article_numbers(docs):
    for doc_id, (_, doc) in docs.items():
        assert all(u.text.strip() and u.number for u in doc.units), doc_id
        nums = [u.number for u in doc.units if u.kind == "article"]
        assert len(nums) == len(set(nums)), doc_id
        assert all(u.label for u in doc.units if u.kind == "article"), doc_id


def test_ai_act_article_16_ja_and_en(docs):
    ja = {u.number: u for u in docs["jp-ai-promotion-act-ja"][1].units if u.kind == "article"}
    en = {u.number: u for u in docs["jp-ai-promotion-act-en"][1].units if u.kind == "article"}
    assert ja["16"].label == "第十六条" and ja["16"].title == "（調査研究等）"
    assert "指導、助言" in ja["16"].text
    assert ja["16"].heading_path == ["第二章 基本的施策"]
    assert en["16"].label == "Article 16" and en["16"].title == "(Research and Study)"
    assert "guidance, advice" in en["16"].text
    assert en["16"].heading_path == ["Chapter II Basic Measures"]
    assert [u.number for u in en.values()] == [str(i) for i in range(1, 29)]


def test_items_are_part_of_the_paragraph_text(docs):
    ja = {u.number: u for u in docs["jp-ai-promotion-act-ja"][1].units}
    items = [ln for ln in ja["20"].text.split("\n") if ln.startswith(("一 ", "二 "))]
    assert len(items) == 2, ja["20"].text
    appi = {u.number: u for u in docs["jp-appi-ja"][1].units if u.kind == "article"}
    assert [p.num for p in appi["16"].paragraphs] == [str(i) for i in range(1, 9)]
    assert "\n四 地方独立行政法人" in appi["16"].paragraphs[1].text


def test_supplementary_provisions_are_separate_units(docs):
    doc = docs["jp-ai-promotion-act-ja"][1]
    suppl = [u for u in doc.units if u.kind == "supplementary"]
    assert suppl and all(u.number.startswith("suppl") for u in suppl)
    assert suppl[0].heading_path[0].startswith("附") and "施行" in suppl[0].text
    appi = docs["jp-appi-ja"][1]
    amended = [u for u in appi.units if u.kind == "supplementary" and "法律第" in u.heading_path[0]]
    assert amended, "supplementary provisions of amending acts name the amending act"


def test_penal_code_branch_deleted_and_ruby(docs):
    doc = docs["jp-penal-code-ja"][1]
    arts = {u.number: u for u in doc.units if u.kind == "article"}
    assert arts["3-2"].label == "第三条の二" and arts["3-2"].title == "（国民以外の者の国外犯）"
    assert arts["13"].text == "削除"  # deleted articles keep their unit
    assert arts["199"].heading_path[0] == "第二編 罪"
    assert "殺人" in arts["199"].title
    # Ruby readings (<Rt>) are not statute text: 賭博 must not read 賭と博.
    assert not any("賭と博" in u.text or "賭と博" in " ".join(u.heading_path) for u in doc.units)
    assert any("賭博" in " ".join(u.heading_path) for u in doc.units)


def test_chunks_carry_law_and_article(docs):
    for doc_id in ("jp-ai-promotion-act-ja", "jp-appi-en"):
        doc = docs[doc_id][1]
        chunks = chunks_of(doc)
        assert len(chunks) >= doc.count("article")
        for c in chunks:
            assert c.law_id == doc.meta.law_id and c.doc_id == doc_id and c.article and c.unit_kind
        art16 = [c for c in chunks if c.article == "16" and c.unit_kind == "article"]
        assert art16 and all(doc.meta.short_name in c.text for c in art16)


def test_sniff_tells_egov_from_jlt(corpus_dir):
    ja = corpus_dir / "jp/ai-promotion-act-2025/source/egov_507AC0000000053_asof-2026-07-20.xml"
    en = corpus_dir / "jp/ai-promotion-act-2025/source/jlt_en_5066_dict18.xml"
    assert egov_xml.sniff(ja, ja.read_bytes()[:65536]) and not jlt_xml.sniff(ja, ja.read_bytes()[:65536])
    assert jlt_xml.sniff(en, en.read_bytes()[:65536]) and not egov_xml.sniff(en, en.read_bytes()[:65536])


def test_malformed_xml_is_a_one_line_error(tmp_path):
    from ingest.errors import IngestError
    from ingest.model import DocMeta

    bad = tmp_path / "broken.xml"
    bad.write_text('<?xml version="1.0"?><Law Lang="ja"><LawBody><MainProvision><Article>', encoding="utf-8")
    with pytest.raises(IngestError) as e:
        load_document(bad, DocMeta(doc_id="x", law_id="x", title="x"))
    assert "broken.xml" in str(e.value) and "\n" not in str(e.value)


def test_egov_api_error_response_is_reported(tmp_path):
    from ingest.errors import IngestError
    from ingest.model import DocMeta

    f = tmp_path / "egov_error.xml"
    f.write_text('<?xml version="1.0"?><DataRoot><Result><Code>1</Code><Message>法令が存在しません</Message>'
                 '</Result><ApplData><LawFullText/></ApplData></DataRoot>', encoding="utf-8")
    assert egov_xml.sniff(f, f.read_bytes())
    with pytest.raises(IngestError) as e:
        load_document(f, DocMeta(doc_id="x", law_id="x", title="x"))
    assert "egov_error.xml" in str(e.value) and "法令が存在しません" in str(e.value)
