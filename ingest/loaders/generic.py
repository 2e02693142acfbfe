"""Generic structure finder for text without markup (plain text, PDFs, HTML
pages, Word documents): provision headings start units.

Recognised headings at a line start: "Article 5", "Art. 5", "ARTICLE V",
"Section 22757.1", "SEC. 3.", "§ 6-1-1703", "第十六条", "第二十六条の二",
"第十二条" (Chinese), "제31조", "제17조의2", "ANNEX III". Chapter lines
("CHAPTER II ...", "第一章 总则", "제1장 총칙") become the heading path. Text before
the first heading is a preamble unit; with no headings at all, each paragraph
is a unit and the document carries a warning.
"""
from __future__ import annotations

import re

from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit
from rag.core.numerals import CJK_NUMERAL_CHARS, cjk_to_int, is_roman, roman_to_int

NO_STRUCTURE_WARNING = "no structure found; split by paragraph"

_N = CJK_NUMERAL_CHARS
_ARTICLE_EN = re.compile(r"^(Article|ARTICLE|Art\.|ART\.)\s*(\d+[A-Za-z]?(?:-\d+)?|[IVXLC]+)\b\.?(?:\s+[-—–]\s*|\s*[:.]\s*|\s+|$)(.*)$")
_SECTION_EN = re.compile(r"^(Section|SECTION|Sec\.|SEC\.|§{1,2})\s*(\d[\w.-]*?)\.?(?:\s+[-—–]\s*|:\s*|\s+|$)(.*)$")
_ANNEX = re.compile(r"^(ANNEX|Annex|SCHEDULE|Schedule|APPENDIX|Appendix)\s+([IVXLC]+|\d+|[A-Z])\b\.?(?:\s+[-—–]\s*|\s*[:.]\s*|\s+|$)(.*)$")
# ARTICLE_CJK / ARTICLE_KO are public: the Markdown loader reads its article headings with them.
# Groups: (label, number, branch numbers / Korean branch, [Korean title,] rest of the line).
ARTICLE_CJK = re.compile(rf"^(第([{_N}]+)条((?:[の之][{_N}]+)*))(?:\s+|　|$)?(.*)$")
ARTICLE_KO = re.compile(r"^(제\s*(\d+)\s*조(?:\s*의\s*(\d+))?)\s*(?:\(([^)]*)\))?\s*(.*)$")
_CHAPTER = re.compile(rf"^(?:(?:CHAPTER|Chapter|PART|Part|TITLE)\s+(?:[IVXLC]+|\d+)\b.*|第[{_N}]+[章編节節].*|제\d+[장편절].*)$")
_PARA_MARK = re.compile(r"^(?:(\d+[A-Za-z]?)\.\s|\((\d+[a-z]?)\)\s|([０-９]+|[2-9]|[1-9]\d)[　 ](?=\S)|([①-⑳]))")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def cjk_article_number(m: re.Match) -> str:
    """Number of an ARTICLE_CJK match: 第二十六条の二 / 第二十六条之二 -> "26-2"."""
    subs = [str(cjk_to_int(x)) for x in re.findall(rf"[の之]([{_N}]+)", m.group(3))]
    return "-".join([str(cjk_to_int(m.group(2)))] + subs)


def korean_article_number(m: re.Match) -> str:
    """Number of an ARTICLE_KO match: 제17조의2 -> "17-2"."""
    return m.group(2) + (f"-{m.group(3)}" if m.group(3) else "")


def _heading(line: str) -> tuple[str, str, str, str] | None:
    """(kind, number, label, rest) when the line is a provision heading."""
    if m := ARTICLE_CJK.match(line):
        return "article", cjk_article_number(m), m.group(1), m.group(4).strip()
    if m := ARTICLE_KO.match(line):
        num = korean_article_number(m)
        title = f"({m.group(4)})" if m.group(4) else ""
        return "article", num, m.group(1).replace(" ", ""), (title + "\n" + m.group(5)).strip()
    for rx, kind in ((_ARTICLE_EN, "article"), (_SECTION_EN, "section"), (_ANNEX, "annex")):
        m = rx.match(line)
        if not m:
            continue
        rest = m.group(3).strip()
        if rest[:1].islower():  # "Article 5 of this Act applies" is a sentence, not a heading
            return None
        num = m.group(2)
        if kind == "article" and is_roman(num) and not num.isdigit():
            num = str(roman_to_int(num))
        return kind, num, line[:m.end(2)].strip() + ("." if line[m.end(2):m.end(2) + 1] == "." else ""), rest
    return None


_POINT = re.compile(r"^[(（]?(?:[a-z]{1,3}|[ivxl]+|[一二三四五六七八九十]+)[)）]")


def _sep(a: str, b: str) -> str:
    """What goes between two lines joined into one paragraph: nothing between CJK characters
    (Japanese and Chinese are written without spaces), a space otherwise."""
    return "" if _CJK.search(a[-1:]) and _CJK.search(b[:1]) else " "


def paragraphs(text: str) -> list[Paragraph]:
    """Blank-line blocks; inside a block, numbered paragraphs ("1.", "(1)", "２　", "①") start new ones.

    Each paragraph's lines are collected in a list and joined once: appending to a growing string
    made a block of many short lines quadratic (8 MB of lines took a minute).
    """
    out: list[Paragraph] = []
    parts: list[list[str]] = []  # the lines of out[i], each with the separator that goes before it
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        current: list[str] | None = None
        for ln in lines:
            m = _PARA_MARK.match(ln)
            if m or current is None:
                num = next((g for g in m.groups() if g), "") if m else ""
                if num and num[0] in "０１２３４５６７８９":
                    num = str(cjk_to_int(num))
                out.append(Paragraph(num, ""))
                current = [ln]
                parts.append(current)
            elif _POINT.match(ln):
                current.append("\n" + ln)  # a point (a) stays inside its paragraph
            else:
                current.append(_sep(current[-1], ln) + ln)
    for p, lines in zip(out, parts, strict=True):
        p.text = "".join(lines)
    return [p for p in out if p.text]


def split_generic(text: str, meta: DocMeta | None = None) -> list[Unit]:
    """Units from headings; a "page/preamble" unit for text before the first one; paragraph
    units (kind "paragraph") when there are no headings at all."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    units: list[Unit] = []
    preamble: list[str] = []
    body: list[str] = []
    path: list[str] = []
    pending_title = ""  # Japanese captions "（目的）" stand on the line before the article

    def close():
        if units:
            units[-1].paragraphs = paragraphs("\n".join(body))
        body.clear()

    for raw in lines:
        line = raw.strip()
        h = _heading(line) if line else None
        if h:
            close()
            kind, num, label, rest = h
            title = ""
            first, _, after = rest.partition("\n")
            if re.fullmatch(r"[（(][^）)]{1,60}[）)]", first):
                title, rest = first, after
            elif (kind != "article" or not _CJK.search(label)) and rest and len(rest) <= 120 \
                    and not rest.rstrip().endswith((".", "。", ";")):
                # "Article 5 — Prohibited practices": a short rest without a full stop is a caption.
                title, rest = rest, after if first == rest else ""
            title = title or pending_title
            pending_title = ""
            units.append(Unit(kind, num, label=label, title=title, heading_path=list(path)))
            if rest.strip():
                body.append(rest.strip())
            continue
        if line and _CHAPTER.match(line) and len(line) <= 120:
            close()
            path = [line]
            if units:
                units.append(Unit("_sep", ""))  # text after a chapter line and before the next heading
            continue
        if line and re.fullmatch(r"[（(][^）)]{1,40}[）)]", line) and _CJK.search(line):
            pending_title = line
            continue
        (body if units else preamble).append(raw)
    close()
    units = [u for u in units if u.kind != "_sep" and u.paragraphs]
    pre = paragraphs("\n".join(preamble))
    if not units:
        return [Unit("paragraph", str(i), label=f"¶{i}", paragraphs=[p]) for i, p in enumerate(pre, 1)]
    if pre:
        units.insert(0, Unit("page", "preamble", label="Preamble", paragraphs=pre))
    return units


def generic_document(text: str, meta: DocMeta) -> ParsedDocument:
    """A ParsedDocument from plain text, with the no-structure warning when nothing was found."""
    units = split_generic(text, meta)
    warnings = [NO_STRUCTURE_WARNING] if units and all(u.kind == "paragraph" for u in units) else []
    return ParsedDocument(meta=meta, units=units, warnings=warnings)


def document_from_blocks(blocks: list[tuple[bool, str]], meta: DocMeta, title: str = "") -> ParsedDocument:
    """For formats that mark headings themselves (HTML h1-h6, Word heading styles).

    Provision headings ("Article 5", "第十六条") win; otherwise each marked heading starts a
    "page" unit (a web page's sections); with neither, paragraph units and the warning.
    """
    text = "\n\n".join(t for _, t in blocks if t.strip())
    units = split_generic(text, meta)
    if any(u.kind in ("article", "section", "annex") for u in units) or not any(h for h, _ in blocks):
        warnings = [NO_STRUCTURE_WARNING] if units and all(u.kind == "paragraph" for u in units) else []
        return ParsedDocument(meta=meta, units=units, warnings=warnings)
    pages: list[Unit] = []
    path: list[str] = []
    for is_heading, t in blocks:
        t = t.strip()
        if not t:
            continue
        if is_heading:
            if pages and not pages[-1].paragraphs:
                path = [pages.pop().title]  # a heading with no text of its own heads the next ones
            pages.append(Unit("page", "", label=t[:80], title=t, heading_path=list(path)))
            continue
        if not pages:
            pages.append(Unit("page", "", label=title[:80] or "Page", title=title))
        pages[-1].paragraphs += paragraphs(t)
    pages = [u for u in pages if u.paragraphs]
    for i, u in enumerate(pages, 1):
        u.number = str(i)
    return ParsedDocument(meta=meta, units=pages)
