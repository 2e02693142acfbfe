"""Loader for Markdown files (rendered corpus texts such as the UK GDPR and the
Chinese Generative AI Measures, and users' own .md files).

Headings that name an article ("## Article 5 — Title", "## 第五条", "## 제5조(목적)")
start article units ("Annex III" headings start annex units, "Section 3." headings section units numbered as
printed); other headings go
into the heading path. Without article headings, each top-level heading section
is a unit of kind "section"; without any heading, each paragraph is a unit of
kind "paragraph" (with a warning). ``split_blocks`` (numbered paragraphs from
blank-line separated text) is shared with the JSONL loader.
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.loaders.common import clean, read_text
from ingest.loaders.generic import ARTICLE_CJK, ARTICLE_KO, cjk_article_number, korean_article_number
from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit

NAME = "markdown"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SEP = r"\s*(?:[—–:|-]\s*|\.\s+|\s)"
# CJK and Korean article headings use generic.py's patterns. The English and annex ones stay
# looser than generic's on purpose: a Markdown heading is already marked as a heading, so any case
# and multi-letter suffixes (UK "Article 8ZA") are safe here, while plain text needs generic's
# stricter forms to tell a heading from a sentence.
_ART_EN = re.compile(r"^(?:Article|Art\.)\s+(\d+[A-Za-z]*(?:-\d+)?)\.?(?:" + _SEP + r"(.*))?$", re.I)
# "## Section 3. Retention periods", "## § 4 — Deletion": a numbered section of a policy or code, cited by its
# printed number (not by its position among the headings)
_SECTION_EN = re.compile(r"^(?:Section|Sec\.|§{1,2})\s*(\d+[A-Za-z]?(?:[.-]\d+[A-Za-z]?)*)\.?(?:" + _SEP + r"(.*))?$", re.I)
_ANNEX = re.compile(r"^(?:Annex|ANNEX|Schedule|SCHEDULE)\s+([IVXLC]+|\d+)\b\.?(?:" + _SEP + r"(.*))?$")
_NUMBERED = re.compile(r"^(\d+[A-Z]{0,3})\.\s")  # "1. ", "1A. " (UK)
_PAREN_NUM = re.compile(r"^\((\d+[a-z]?)\)\s")  # "(1) 'AI system' means" (definition points)
_POINT = re.compile(r"^[（(](?:[一二三四五六七八九十]+|[a-z]{1,3}|[ivxl]+)[)）]")  # (a), (iv), （一）


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".md", ".markdown")


def split_blocks(text: str) -> list[Paragraph]:
    """Split provision text into paragraphs at blank lines.

    Blocks starting "1." / "1A." (or "(1)" when there are none) start numbered
    paragraphs; points "(a)", "（一）" and continuation sub-paragraphs belong to the
    paragraph before. Without numbers, each block that is not a point is a
    paragraph, numbered 1..n when there are several (Chinese 款 are unnumbered in
    print but cited by position).
    """
    blocks = [clean(b) for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    blocks = [b for b in blocks if b]
    starts = next((rx for rx in (_NUMBERED, _PAREN_NUM) if any(rx.match(b) for b in blocks)), None)
    out: list[Paragraph] = []
    for b in blocks:
        m = starts.match(b) if starts else None
        if m:
            out.append(Paragraph(m.group(1), b))
        elif not out or (starts is None and not _POINT.match(b)):
            out.append(Paragraph("", b))
        else:
            out[-1].text += "\n" + b
    if starts is None and len(out) > 1:
        for i, p in enumerate(out, 1):
            p.num = str(i)
    return out


def heading_unit(text: str) -> tuple[str, str, str, str] | None:
    """(kind, number, label, title) when a heading names an article or annex, else None."""
    m = _ART_EN.match(text)
    if m:
        title = (m.group(2) or "").strip()
        label = f"Article {m.group(1)}"
        cjk = ARTICLE_CJK.match(title) or ARTICLE_KO.match(title)
        if cjk and not cjk.group(len(cjk.groups())).strip():  # "Article 1 — 第一条": the printed label
            label, title = cjk.group(1).replace(" ", ""), ""
        return "article", m.group(1), label, title
    m = ARTICLE_CJK.match(text)
    if m:
        return "article", cjk_article_number(m), m.group(1), m.group(4).strip()
    m = ARTICLE_KO.match(text)
    if m:
        # generic's pattern allows "제 5 조"; the label is printed without the spaces.
        return "article", korean_article_number(m), m.group(1).replace(" ", ""), \
            (m.group(4) or m.group(5) or "").strip()
    m = _SECTION_EN.match(text)
    if m:
        return "section", m.group(1), f"Section {m.group(1)}", (m.group(2) or "").strip()
    m = _ANNEX.match(text)
    if m:
        return "annex", m.group(1), text.split("—")[0].strip().rstrip("."), (m.group(2) or "").strip()
    return None


def _sections(lines: list[str]) -> tuple[str, list[tuple[int, str, list[str]]], list[str]]:
    """(document title, [(level, heading, body lines)], lines before the first heading)."""
    sections: list[tuple[int, str, list[str]]] = []
    before: list[str] = []
    fenced = False
    for ln in lines:
        if _FENCE.match(ln):
            fenced = not fenced
        m = None if fenced else _HEADING.match(ln)
        if m:
            sections.append((len(m.group(1)), clean(m.group(2)), []))
        elif sections:
            sections[-1][2].append(ln)
        else:
            before.append(ln)
    title = ""
    # A single level-1 heading at the top is the document's title, not a heading of its parts.
    if sections and not "".join(before).strip() and sections[0][0] == 1 \
            and sum(1 for s in sections if s[0] == 1) == 1:
        title = sections[0][1]
        before = sections[0][2]
        sections = sections[1:]
    return title, sections, before


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    text = read_text(path)
    title, sections, before = _sections(text.split("\n"))
    units: list[Unit] = []
    warnings: list[str] = []
    intro = "\n".join(before).strip()
    if not sections:
        blocks = [b for b in (clean(x) for x in re.split(r"\n\s*\n", intro)) if b]
        for i, b in enumerate(blocks, 1):
            units.append(Unit(kind="paragraph", number=str(i), label=f"¶{i}", heading_path=[title] if title else [],
                              paragraphs=[Paragraph("", b)]))
        warnings.append("no headings found: one unit per paragraph")
        return ParsedDocument(meta=meta, units=units, warnings=warnings, title=title)
    named = [heading_unit(h) for _, h, _ in sections]
    if any(named):
        path_stack: list[tuple[int, str]] = []
        if len(intro) > 200:  # a real preamble, not just a source line
            units.append(Unit(kind="section", number="preamble", label=title or "Preamble",
                              paragraphs=split_blocks(intro)))
        current: Unit | None = None
        current_level = 0
        for (level, heading, body), info in zip(sections, named, strict=True):
            text = "\n".join(body).strip()
            if info is None and current is not None and level > current_level:
                # A sub-heading inside an article ("### (1) Scope"): part of the article's text.
                current.paragraphs += [Paragraph("", heading)] + split_blocks(text)
                continue
            path_stack = [(lv, h) for lv, h in path_stack if lv < level]
            if info is None:
                current = None
                if text:  # text under a chapter heading (an introduction) is kept as a section
                    units.append(Unit(kind="section", number=f"s{len(units) + 1}", label=heading,
                                      heading_path=[h for _, h in path_stack], paragraphs=split_blocks(text)))
                path_stack.append((level, heading))
                continue
            kind, number, label, utitle = info
            current, current_level = Unit(kind=kind, number=number, label=label, title=utitle,
                                          heading_path=[h for _, h in path_stack],
                                          paragraphs=split_blocks(text)), level
            units.append(current)
    else:
        top = min(level for level, _, _ in sections)
        if len(intro) > 200:
            units.append(Unit(kind="section", number="preamble", label=title or "Preamble",
                              paragraphs=split_blocks(intro)))
        for level, heading, body in sections:
            if level == top or not units:
                # numbered by position among the headings; the preamble before them is no section of its own
                units.append(Unit(kind="section", number=str(sum(u.kind == "section" and u.number != "preamble"
                                                                   for u in units) + 1),
                                  label=heading, heading_path=[title] if title else [], paragraphs=[]))
                units[-1].paragraphs = split_blocks("\n".join(body))
            else:  # a sub-heading stays inside its top-level section, as a line of text
                units[-1].paragraphs += [Paragraph("", heading)] + split_blocks("\n".join(body))
    empty = [u.label for u in units if not u.text.strip()]
    if empty:
        warnings.append(f"{len(empty)} heading(s) without text: {', '.join(empty[:5])}")
    units = [u for u in units if u.text.strip()]
    return ParsedDocument(meta=meta, units=units, warnings=warnings, title=title)
