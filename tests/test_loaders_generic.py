"""Generic loaders (text, HTML, DOCX, PDF fallback), the heading splitter, numerals
and bad input. Files are written to tmp dirs; real corpus files where they exist."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.loaders.generic import NO_STRUCTURE_WARNING, split_generic
from ingest.loaders.registry import load_document, pick_loader
from ingest.sources import user_meta
from ingest.splitter import to_chunks
from rag.core.numerals import cjk_to_int, int_to_roman, roman_to_int
from tests.loader_support import load_meta, source_metas


def _load(path: Path):
    return load_document(path, user_meta(path, path.parent))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text,value", [("XII", 12), ("IV", 4), ("XLIX", 49), ("MMXXIV", 2024)])
def test_roman(text, value):
    assert roman_to_int(text) == value
    assert int_to_roman(value) == text


# Chinese forms (零, positional 二〇二五) and the Japanese ones e-Gov prints (百八十五, 一〇五, full-width ２).
@pytest.mark.parametrize("text,value", [("十六", 16), ("二十六", 26), ("一百零三", 103), ("千二百", 1200),
                                        ("３", 3), ("二〇二五", 2025), ("十二", 12), ("百八十五", 185),
                                        ("三百一", 301), ("十", 10), ("千二百三十四", 1234), ("一〇五", 105),
                                        ("２", 2)])
def test_cjk(text, value):
    assert cjk_to_int(text) == value


def test_bad_numerals_raise():
    with pytest.raises(ValueError):
        roman_to_int("IIX2")
    with pytest.raises(ValueError):
        cjk_to_int("abc")
    with pytest.raises(ValueError):
        cjk_to_int("条")


# (heading line, expected kind, expected number)
HEADINGS = [
    ("Article 5", "article", "5"),
    ("Art. 5 - Prohibited practices", "article", "5"),
    ("ARTICLE V", "article", "5"),
    ("Section 22757.1", "section", "22757.1"),
    ("SEC. 3.", "section", "3"),
    ("§ 6-1-1703", "section", "6-1-1703"),
    ("第十六条", "article", "16"),
    ("第二十六条の二", "article", "26-2"),
    ("제31조(과태료)", "article", "31"),
    ("제17조의2", "article", "17-2"),
    ("第十二条 提供者应当依法开展预训练。", "article", "12"),
    ("ANNEX III", "annex", "III"),
]


@pytest.mark.parametrize("heading,kind,number", HEADINGS)
def test_heading_styles_in_text_files(tmp_path, heading, kind, number):
    body = "本条の本文である。" if any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in heading) \
        else "The body of this provision applies."
    text = f"Some introduction text.\n\n{heading}\n{body}\n\nArticle 99\nAnother unit.\n"
    doc = _load(_write(tmp_path, "doc.txt", text))
    first = doc.units[0]
    assert first.kind == "page" and first.number == "preamble"
    assert "introduction" in first.text
    unit = doc.units[1]
    assert (unit.kind, unit.number) == (kind, number), heading
    assert body in unit.text or "提供者应当依法开展预训练" in unit.text
    assert doc.units[-1].number == "99"
    assert not doc.warnings


def test_korean_title_and_japanese_caption():
    units = split_generic("（目的）\n第一条　この法律は、目的を定める。\n２　前項の規定は適用する。\n제31조(과태료) 내용이다.\n")
    ja, ko = units
    assert ja.number == "1" and ja.title == "（目的）"
    assert [p.num for p in ja.paragraphs] == ["", "2"]
    assert ko.number == "31" and ko.title == "(과태료)"


def test_sentence_starting_with_article_is_not_a_heading():
    units = split_generic("Article 5\nArticle 3 of this Act applies to providers.\n")
    assert [u.number for u in units] == ["5"]
    assert "Article 3 of this Act" in units[0].text


def test_points_stay_in_their_paragraph():
    units = split_generic("Article 7\n1. The provider shall:\n(a) inform users;\n(b) keep logs.\n2. Second.\n")
    paras = units[0].paragraphs
    assert [p.num for p in paras] == ["1", "2"]
    assert "(b) keep logs." in paras[0].text


def test_no_structure_warning(tmp_path):
    doc = _load(_write(tmp_path, "notes.txt", "First paragraph here.\n\nSecond paragraph here.\n"))
    assert NO_STRUCTURE_WARNING in doc.warnings
    assert [u.kind for u in doc.units] == ["paragraph", "paragraph"]


def test_real_casi_translation_articles(corpus_dir):
    meta = source_metas()["cn-genai-measures-en"]
    name, doc = load_meta(corpus_dir, meta)
    assert name == "text"
    assert doc.count("article") == meta.expected["article"]


def test_real_news_article_is_one_page(corpus_dir):
    meta = next(m for m in source_metas().values() if m.kind == "news")
    doc = load_meta(corpus_dir, meta)[1]
    assert [u.kind for u in doc.units] == ["page"]
    assert "Onoda" in doc.units[0].text and len(doc.units[0].paragraphs) > 5
    for junk in ("PHOTO: REUTERS", "Sign up now", "Follow topic"):  # news-site chrome
        assert junk not in doc.units[0].text


def test_real_cao_web_page(corpus_dir):
    name, doc = load_meta(corpus_dir, source_metas()["jp-ai-act-cao-page"])
    assert name == "html"
    assert doc.units and all(u.kind == "page" for u in doc.units)
    text = "\n".join(u.text for u in doc.units)
    assert "全面施行" in text
    for nav in ("このページの先頭へ", "内閣府ホーム", "サイトマップ"):
        assert nav not in text


HTML_PAGE = """<html><head><title>Policy</title><script>var x = 'Article 9';</script></head><body>
<header><a href="/">Home</a> Site header text</header>
<nav><ul><li><a href="/a">Menu A</a></li><li><a href="/b">Menu B</a></li><li><a href="/c">Menu C</a></li></ul></nav>
<div class="sidebar">Sidebar teaser</div>
<ul class="links"><li><a href="/1">Link one</a></li><li><a href="/2">Link two</a></li><li><a href="/3">Link 3</a></li></ul>
<h2>Article 1 Purpose</h2><p>This policy sets rules.</p>
<h2>Article 2 Scope</h2><p>It applies to staff.</p><p>1. Also to contractors.</p>
<footer>Copyright footer</footer></body></html>"""


def test_html_drops_chrome_and_finds_articles(tmp_path):
    doc = _load(_write(tmp_path, "policy.html", HTML_PAGE))
    assert [(u.kind, u.number) for u in doc.units] == [("article", "1"), ("article", "2")]
    assert doc.units[0].title == "Purpose"
    text = "\n".join(u.text for u in doc.units)
    for junk in ("Menu A", "Site header", "Sidebar", "Link one", "Copyright", "var x"):
        assert junk not in text


def _docx(path: Path, blocks: list[tuple[int, str]], table_row: tuple[str, ...] = ()) -> Path:
    """A real Word file: (heading level, text) blocks, level 0 = body paragraph; then a one-row table."""
    docx = pytest.importorskip("docx")
    d = docx.Document()
    for level, text in blocks:
        if level:
            d.add_heading(text, level=level)
        else:
            d.add_paragraph(text)
    if table_row:
        table = d.add_table(rows=1, cols=len(table_row))
        for i, cell in enumerate(table_row):
            table.cell(0, i).text = cell
    d.save(path)
    return path


def test_docx_headings_and_articles(tmp_path):
    path = _docx(tmp_path / "policy.docx", [(1, "Internal AI policy"), (0, "Preliminary remarks."),
                                            (2, "Article 1 Purpose"), (0, "This policy governs AI use."),
                                            (2, "Article 2 Fines"), (0, "Breaches cost 100 EUR.")],
                 table_row=("Tier", "Amount"))
    doc = _load(path)
    arts = [u for u in doc.units if u.kind == "article"]
    assert [u.number for u in arts] == ["1", "2"]
    assert "100 EUR" in arts[1].text and "Tier | Amount" in arts[1].text
    assert doc.units[0].number == "preamble"


def test_docx_without_articles_splits_by_heading(tmp_path):
    path = _docx(tmp_path / "memo.docx", [(1, "Background"), (0, "Some background."), (1, "Decision"),
                                          (0, "We decided.")])
    doc = _load(path)
    assert [(u.kind, u.title) for u in doc.units] == [("page", "Background"), ("page", "Decision")]
    chunks = to_chunks(doc, "0" * 64, 1200)
    assert any("We decided." in c.body for c in chunks)


def _make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF: one Helvetica text line per entry, top to bottom."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = "".join(f"BT /F1 11 Tf 50 {780 - 16 * i} Td ({ln}) Tj ET\n" for i, ln in enumerate(lines))
        objs.append(f"<< /Length {len(ops)} >>\nstream\n{ops}endstream")
        objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
                    f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objs)} 0 R >>")
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_user_pdf_generic_split_and_repeated_furniture(tmp_path):
    pages = [["ACME Corp internal policy", f"Article {i} {t}", body, f"Page {i} of 3"]
             for i, (t, body) in enumerate([("Purpose", "This policy governs AI use."),
                                            ("Fines", "Breaches cost 100 EUR."),
                                            ("Review", "Reviewed yearly.")], 1)]
    path = tmp_path / "policy.pdf"
    path.write_bytes(_make_pdf(pages))
    assert pick_loader(path, user_meta(path, tmp_path)).NAME == "pdf"
    doc = _load(path)
    assert [(u.kind, u.number, u.title) for u in doc.units] == [
        ("article", "1", "Purpose"), ("article", "2", "Fines"), ("article", "3", "Review")]
    assert doc.units[1].text == "Breaches cost 100 EUR."  # running head and "Page 2 of 3" are gone


def test_user_pdf_without_headings_warns(tmp_path):
    path = tmp_path / "memo.pdf"
    path.write_bytes(_make_pdf([["Just a memo line."], ["Another memo line."]]))
    doc = _load(path)
    assert NO_STRUCTURE_WARNING in doc.warnings
    assert "Just a memo line." in doc.units[0].text


def _pdf_bytes(encrypt: bool = False) -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    if encrypt:
        w.encrypt("secret")
    buf = BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"   \n\n ", "empty"),
    ("binary.txt", b"\x00\x01\x02\x03PK\x00\x00" * 50, "binary content"),
    ("latin.txt", b"\xc3\x28\xa0\xa1\x81" * 200 + b"q", "not valid UTF-8"),
    ("data.xyz", b"hello", "unsupported format"),
    ("broken.pdf", b"%PDF-1.4\n garbage garbage \n%%EOF", "corrupt PDF"),
    ("fake.pdf", b"this is not a pdf at all", "not a PDF"),
    ("empty.pdf", b"", "empty file"),
    ("broken.docx", b"not a zip file at all", "Word document"),
    ("nav.html", b"<html><body><nav>Home About</nav><footer>(c)</footer></body></html>", "no text"),
])
def test_bad_input_names_file_and_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        _load(path)
    msg = str(err.value)
    assert name in msg and reason in msg, msg
    assert "\n" not in msg


def test_encrypted_and_textless_pdfs(tmp_path):
    pytest.importorskip("pypdf")
    enc = tmp_path / "locked.pdf"
    enc.write_bytes(_pdf_bytes(encrypt=True))
    with pytest.raises(IngestError, match="locked.pdf.*encrypted"):
        _load(enc)
    blank = tmp_path / "scan.pdf"
    blank.write_bytes(_pdf_bytes())
    with pytest.raises(IngestError, match="scan.pdf.*no extractable text"):
        _load(blank)


def test_user_document_without_a_language_gets_its_texts(tmp_path):
    # an upload ingested without --language: its language is read from its text, so the answerer knows
    # which passages the English relevance check can read; a language the user gives is kept
    from ingest.sources import language_from_text

    en, ja = tmp_path / "policy.md", tmp_path / "kitei.md"
    en.write_text("# Retention Standard\n\n## Section 1. Scope\nCustomer records are kept for five years.\n")
    ja.write_text("# 保存規程\n\n## 第1条（目的）\nこの規程は、顧客記録の保存期間を定める。\n")
    for path, want in ((en, "en"), (ja, "ja")):
        doc = load_document(path, user_meta(path, tmp_path))
        assert doc.meta.language == ""
        language_from_text(doc)
        assert doc.meta.language == want
    given = load_document(en, user_meta(en, tmp_path, language="ja"))
    language_from_text(given)
    assert given.meta.language == "ja"
