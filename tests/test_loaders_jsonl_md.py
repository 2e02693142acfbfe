"""JSONL (one provision per line) and Markdown loaders: real corpus files plus
small user files written in tmp dirs for the fallbacks (no article headings, no headings).

Expected counts come from corpus/sources.toml ``expected``.
"""
from __future__ import annotations

import dataclasses

import pytest

from ingest.errors import IngestError
from ingest.loaders.markdown import split_blocks
from ingest.loaders.registry import load_document
from ingest.model import DocMeta
from tests.loader_support import chunks_of, expected_count_mismatches, load_meta, source_metas, wrong_loaders

DOCS = {"cn-pipl": "jsonl", "eu-ai-act-consolidated": "jsonl", "eu-ai-act-consolidated-annexes": "jsonl",
        "uk-gdpr": "markdown", "cn-genai-measures-zh": "markdown"}


@pytest.fixture(scope="module")
def metas():
    return source_metas()


@pytest.fixture(scope="module")
def docs(corpus_dir, metas):
    return {doc_id: load_meta(corpus_dir, metas[doc_id]) for doc_id in DOCS}


def _arts(doc, kind="article"):
    return {u.number: u for u in doc.units if u.kind == kind}


def test_registry_and_expected_counts(docs):
    assert not wrong_loaders(docs, DOCS)
    for doc_id, (_, doc) in docs.items():
        assert doc.meta.expected, f"{doc_id} has no expected counts in sources.toml"
        assert not expected_count_mismatches(doc_id, doc)
        assert all(u.text.strip() and u.number for u in doc.units), doc_id
        nums = [(u.kind, u.number) for u in doc.units]
        assert len(nums) == len(set(nums)), doc_id


def test_pipl_chinese_text_label_and_chapter(docs):
    arts = _arts(docs["cn-pipl"][1])
    a66 = arts["66"]
    assert a66.label == "第六十六条" and a66.title == ""  # "Article 66" is not a caption
    assert a66.heading_path == ["Legal Liability"]
    assert [p.num for p in a66.paragraphs] == ["1", "2"]
    assert "五千万元以下" in a66.paragraphs[1].text
    # Items （一）（二） belong to the paragraph that introduces them.
    assert "\n（一）以向境内自然人提供产品或者服务为目的" in arts["3"].paragraphs[1].text


def test_pipl_english_text_when_english_is_asked_for(corpus_dir, metas):
    meta = dataclasses.replace(metas["cn-pipl"], doc_id="cn-pipl-en", language="en")
    doc = load_document(corpus_dir / meta.source_file, meta)
    a66 = _arts(doc)["66"]
    assert a66.label == "Article 66" and "RMB" in a66.text and "罚款" not in a66.text


def test_eu_consolidated_articles_and_annexes(docs):
    arts = _arts(docs["eu-ai-act-consolidated"][1])
    assert "4a" in arts and "75b" in arts  # articles inserted by the amending regulation
    a99 = arts["99"]
    assert a99.label == "Article 99" and a99.title == "Penalties" and a99.heading_path == ["PENALTIES"]
    assert a99.paragraphs[2].num == "3" and "EUR 35 000 000" in a99.paragraphs[2].text
    a3 = arts["3"]
    assert a3.paragraphs[1].num == "1" and "‘AI system’" in a3.paragraphs[1].text
    annex3 = _arts(docs["eu-ai-act-consolidated-annexes"][1], "annex")["III"]
    assert annex3.label == "Annex III" and "Biometrics" in annex3.text


def test_uk_gdpr_markdown(docs):
    doc = docs["uk-gdpr"][1]
    arts = _arts(doc)
    assert {"4A", "8ZA", "12A"} <= set(arts)
    assert arts["12A"].label == "Article 12A" and arts["12A"].title.startswith("Meaning of")
    assert arts["3"].title == "Territorial scope"
    assert [p.num for p in arts["3"].paragraphs][:3] == ["1", "2", "2A"]
    assert "UK GDPR (revised)" not in " ".join(u.heading_path[0] for u in doc.units if u.heading_path)
    assert not any("legislation.gov.uk" in u.text for u in doc.units)  # the source line is not a provision


def test_chinese_markdown_uses_the_printed_label(docs):
    arts = _arts(docs["cn-genai-measures-zh"][1])
    assert arts["4"].label == "第四条" and arts["4"].title == ""
    assert "（一）坚持社会主义核心价值观" in arts["4"].text
    assert arts["24"].text.strip()


def test_markdown_korean_and_japanese_headings(tmp_path):
    f = tmp_path / "notes.md"
    f.write_text("# 내부 규정\n\n## 제1장 총칙\n\n### 제5조(목적) \n\n① 이 규정은 목적을 정한다.\n\n"
                 "② 두 번째 항.\n\n### 제5조의2(정의)\n\n용어의 뜻.\n\n## 第十六条 （指導）\n\n国は、指導を行う。\n",
                 encoding="utf-8")
    doc = load_document(f, DocMeta(doc_id="u", law_id="u", title="u"))
    arts = _arts(doc)
    assert set(arts) == {"5", "5-2", "16"}
    assert arts["5"].label == "제5조" and arts["5"].title == "목적" and arts["5"].heading_path == ["제1장 총칙"]
    assert arts["16"].label == "第十六条" and arts["16"].heading_path == []


def test_markdown_without_article_headings_gives_sections(tmp_path):
    f = tmp_path / "policy.md"
    f.write_text("# Acme AI policy\n\n## Scope\n\nApplies to all staff.\n\n### Details\n\nAlso contractors.\n\n"
                 "## Retention\n\nKeep logs for 90 days.\n", encoding="utf-8")
    doc = load_document(f, DocMeta(doc_id="u", law_id="u", title="u"))
    assert [(u.kind, u.label) for u in doc.units] == [("section", "Scope"), ("section", "Retention")]
    assert "Also contractors." in doc.units[0].text and not doc.warnings


def test_markdown_section_headings_keep_their_printed_numbers(tmp_path):
    # a policy's "Section 3." is cited as Section 3, whatever comes before it (a preamble of its own, a
    # heading with another name)
    f = tmp_path / "standard.md"
    f.write_text("# Acme Records Standard\n\n" + "Adopted by the board on 2 May 2026 after consultation. " * 5
                 + "\n\n## Section 1. Scope\n\nAll records.\n\n## Section 3 — Retention\n\n1. Keep logs 90 days.\n\n"
                 "## § 4 Deletion\n\nOn request.\n", encoding="utf-8")
    doc = load_document(f, DocMeta(doc_id="u", law_id="u", title="u"))
    secs = [(u.number, u.label, u.title) for u in doc.units if u.number != "preamble"]
    assert secs == [("1", "Section 1", "Scope"), ("3", "Section 3", "Retention"), ("4", "Section 4", "Deletion")]
    # headings without a number: numbered by position, the preamble not counted
    g = tmp_path / "notes.md"
    g.write_text("# Notes\n\n" + "Why these notes exist, at some length. " * 8 + "\n\n## Scope\n\nAll.\n\n"
                 "## Retention\n\n90 days.\n", encoding="utf-8")
    doc = load_document(g, DocMeta(doc_id="g", law_id="g", title="g"))
    assert [(u.number, u.label) for u in doc.units] == [("preamble", "Notes"), ("1", "Scope"), ("2", "Retention")]


def test_markdown_without_headings_gives_paragraphs_and_a_warning(tmp_path):
    f = tmp_path / "plain.md"
    f.write_text("First paragraph of notes.\n\nSecond paragraph.\n", encoding="utf-8")
    doc = load_document(f, DocMeta(doc_id="u", law_id="u", title="u"))
    assert [u.kind for u in doc.units] == ["paragraph", "paragraph"] and doc.warnings


def test_jsonl_bad_lines(tmp_path):
    f = tmp_path / "rows.jsonl"
    f.write_text('{"unit": "article", "number": "1", "label": "Article 1", "text": "One."}\n{broken\n',
                 encoding="utf-8")
    doc = load_document(f, DocMeta(doc_id="u", law_id="u", title="u"))
    assert doc.count("article") == 1 and "line 2" in doc.warnings[0]
    g = tmp_path / "bad.jsonl"
    g.write_text('{"text": ""}\n', encoding="utf-8")
    with pytest.raises(IngestError) as e:
        load_document(g, DocMeta(doc_id="u", law_id="u", title="u"))
    assert "bad.jsonl" in str(e.value)


def test_split_blocks():
    paras = split_blocks("Lead in:\n\n(a) one;\n\n(b) two.\n\nSecond subparagraph.")
    assert [p.num for p in paras] == ["1", "2"] and "\n(b) two." in paras[0].text
    paras = split_blocks("1. First.\n\n(a) point\n\nText continuing 1.\n\n2. Second.")
    assert [p.num for p in paras] == ["1", "2"] and paras[0].text.endswith("Text continuing 1.")


def test_chunks_carry_law_and_article(docs):
    for doc_id in ("cn-pipl", "uk-gdpr"):
        doc = docs[doc_id][1]
        chunks = chunks_of(doc)
        assert len(chunks) >= len(doc.units)
        assert all(c.law_id == doc.meta.law_id and c.article and c.unit_kind == "article" for c in chunks)
        assert all(doc.meta.short_name in c.text for c in chunks)


def test_markdown_sub_headings_and_chapter_intros_keep_their_text(tmp_path):
    f = tmp_path / "code.md"
    f.write_text("# Code\n\n## Chapter 1 General\n\nThis chapter sets out general rules.\n\n"
                 "### Article 1 — Scope\n\n1. Applies to X.\n\n#### Exceptions\n\nNot to Y.\n\n"
                 "### Article 2 — Terms\n\nTerms mean things.\n", encoding="utf-8")
    doc = load_document(f, DocMeta(doc_id="u", law_id="u", title="u"))
    arts = _arts(doc)
    assert "Exceptions\nNot to Y." in arts["1"].text and arts["2"].heading_path == ["Chapter 1 General"]
    intro = [u for u in doc.units if u.kind == "section"]
    assert intro and intro[0].label == "Chapter 1 General" and "general rules" in intro[0].text
