"""US loaders on the real corpus files: California leginfo page text and Colorado PDFs."""
from __future__ import annotations

import pytest

from ingest.splitter import to_chunks
from tests.loader_support import load_meta, source_metas

# Site navigation of leginfo.legislature.ca.gov as it appears in the scraped page text.
NAV_TEXT = ["skip to content", "Quick Search", "Bill Number Bill Keyword", "My Subscriptions", "My Favorites",
            "Add To My Favorites", "Code Search Text Search", "Select Code", "Code Text", "Bill Information",
            "Compare Versions", "Comments To Author", "SHARE THIS", "#DOCUMENT", "Up^", "sitemap", "login"]
# Page furniture of the Colorado PDFs.
PDF_FURNITURE = ["PAGE 2-SENATE BILL", "PAGE 10-SENATE BILL", "Capital letters or bold", "dashes through words",
                 "Consumer and Commercial Transactions Ch.", ")))))"]


@pytest.fixture(scope="module")
def metas():
    return source_metas()


@pytest.fixture(scope="module")
def california(corpus_dir, metas):
    return {d: load_meta(corpus_dir, m) for d, m in metas.items() if m.jurisdiction == "US-CA"}


@pytest.fixture(scope="module")
def colorado(corpus_dir, metas):
    return {d: load_meta(corpus_dir, m) for d, m in metas.items() if m.jurisdiction == "US-CO"}


def _sections(doc):
    return {u.number: u for u in doc.units if u.kind == "section"}


def test_california_files_use_leginfo_loader(california):
    assert len(california) >= 10
    for doc_id, (name, doc) in california.items():
        assert name == "leginfo_text", doc_id
        assert doc.count("section") >= 1, doc_id


def test_sb942_code_sections(california):
    doc = california["us-ca-sb942"][1]
    secs = _sections(doc)
    for num in ["22757", "22757.1", "22757.2", "22757.3", "22757.4", "22757.5", "22757.6"]:
        assert num in secs, num
    assert "AI Transparency Act" in secs["22757"].text
    assert any("Chapter 25" in h for h in secs["22757.4"].heading_path)
    assert "five thousand dollars ($5,000)" in secs["22757.4"].text
    # The long definitions section is split into subdivisions (a), (b), ...
    nums = [p.num for p in secs["22757.1"].paragraphs]
    assert "(a)" in nums and "(b)" in nums
    # Each section ends before the next one starts.
    assert "22757.5." not in secs["22757.4"].text


@pytest.mark.parametrize("doc_id", ["us-ca-sb942", "us-ca-sb53", "us-ca-sb243", "us-ca-sb1001", "us-ca-ab2655"])
def test_no_navigation_text_in_chunks(california, doc_id):
    doc = california[doc_id][1]
    chunks = to_chunks(doc, "0" * 64, max_chars=1200)
    assert chunks
    for c in chunks:
        for nav in NAV_TEXT:
            assert nav not in c.text, (doc_id, nav, c.text[:200])


def test_bill_code_sections_carry_bill_section(california):
    doc = california["us-ca-sb53"][1]
    secs = _sections(doc)
    assert "22757.10" in secs and "22757.12" in secs
    path = secs["22757.12"].heading_path
    assert "SEC. 2." in path and "Business and Professions Code" in path
    assert secs["22757.12"].text.startswith("(a) A large frontier developer")
    # A bill section that quotes no code section is a unit of its own.
    assert "SEC. 5" in secs
    assert any(u.number == "digest" for u in doc.units)


def test_orrick_compilation_has_code_and_amendments(california):
    doc = california["us-ca-sb942-ab853"][1]
    numbers = [u.number for u in doc.units if u.kind == "section"]
    assert numbers.count("22757.1") == 2  # the code text and AB 853's amended version
    amended = [u for u in doc.units if u.number == "22757.6" and "SEC. 6." in u.heading_path]
    assert amended and "August 2, 2026" in amended[0].text
    for u in doc.units:
        assert "Ch. 674 —" not in u.text and "—2—" not in u.text


def test_colorado_signed_act_sections(colorado):
    name, doc = colorado["us-co-sb24-205"]
    assert name == "pdf"
    secs = _sections(doc)
    for i in range(1701, 1708):
        assert f"6-1-{i}" in secs, i
    assert secs["6-1-1701"].title == "Definitions"
    assert "PART 17 ARTIFICIAL INTELLIGENCE" in secs["6-1-1703"].heading_path
    assert "SECTION 1." in secs["6-1-1703"].heading_path
    assert "ALGORITHMIC DISCRIMINATION" in secs["6-1-1701"].text
    assert [p.num for p in secs["6-1-1706"].paragraphs][1:3] == ["(1)", "(2)"]


def test_colorado_session_law_2026_has_1709(colorado):
    secs = _sections(colorado["us-co-sb26-189"][1])
    for i in range(1701, 1710):
        assert f"6-1-{i}" in secs, i


@pytest.mark.parametrize("doc_id", ["us-co-sb24-205", "us-co-sb24-205-session-law", "us-co-sb26-189",
                                    "us-co-sb25b-004"])
def test_colorado_page_furniture_removed(colorado, doc_id):
    doc = colorado[doc_id][1]
    for u in doc.units:
        for junk in PDF_FURNITURE:
            assert junk not in u.text, (doc_id, u.number, junk)


def test_colorado_struck_through_words_dropped(colorado):
    # SB 25B-004 strikes "February 1, 2026" and inserts "JUNE 30, 2026" in capitals.
    sec = _sections(colorado["us-co-sb25b-004"][1])["6-1-1702"]
    assert "On and after JUNE 30, 2026, a developer" in sec.text
    assert "February 1, 2026" not in sec.text
