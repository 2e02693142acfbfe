"""Loader for Canada's Justice Laws XML (consolidated federal Acts, e.g. PIPEDA).

Each ``<Section>`` is a unit of kind "section" (numbers as printed: "2", "4.01",
"52 to 57"); its ``<Subsection>``s are the paragraphs, with their paragraphs
(a), (b) and subparagraphs (i) as lines. ``<Heading level=N>`` siblings give the
heading path (PART, DIVISION, group headings). Schedules become "annex" units.
Marginal notes of sections are the unit title; historical notes and footnotes are
editorial and left out. Amendments not yet in force are skipped (with a warning).
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.common import clean
from ingest.loaders.xmlutil import parse_xml, text_without
from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit

NAME = "justice_xml"

_EDITORIAL = {"MarginalNote", "HistoricalNote", "Footnote", "FootnoteRef", "Label", "Note"}
_NESTED = {"Paragraph", "Subparagraph", "Clause", "Subclause", "Subsubclause", "Definition", "Provision",
           "ContinuedSectionSubsection", "ContinuedParagraph", "ContinuedSubparagraph", "ContinuedClause",
           "ContinuedDefinition", "List", "Item", "Repealed", "FormulaGroup", "Formula"}


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".xml" and b"<Statute" in head and b"justice.gc.ca/lims" in head


def _inline(el) -> str:
    """Text of an element without footnote markers, on one line."""
    return clean(" ".join(text_without(el, ("FootnoteRef", "Footnote")).split()))


def _label(el) -> str:
    lab = el.find("Label")
    return _inline(lab) if lab is not None else ""


def _table(el) -> list[str]:
    rows = []
    for row in el.iter("row"):
        cells = [_inline(e) for e in row.iter("entry")]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _lines(el, with_label: bool = True) -> list[str]:
    """Lines of a provision: "(a) text", then its nested items, in document order."""
    out: list[str] = []
    head = _label(el) if with_label else ""
    for c in el:
        tag = c.tag if isinstance(c.tag, str) else ""
        if not tag or tag in _EDITORIAL:
            continue
        if tag == "Text":
            out.append(" ".join(x for x in (head, _inline(c)) if x))
            head = ""
        elif tag == "TableGroup":
            out += _table(c)
        elif tag in _NESTED or len(c):
            out += _lines(c)
        else:
            t = _inline(c)
            if t:
                out.append(t)
    if head:  # a label with no text of its own (e.g. a paragraph made only of subparagraphs)
        out.insert(0, head)
    return [ln for ln in out if ln]


def _section(sec, path: list[str]) -> Unit:
    number = _label(sec)
    subs = sec.findall("Subsection")
    paras: list[Paragraph] = []
    if subs:
        for s in subs:
            num = _label(s).strip("()")
            paras.append(Paragraph(num, "\n".join(_lines(s))))
        # Text of the section outside its subsections (rare) is kept as a leading paragraph.
        lead = [ln for c in sec if isinstance(c.tag, str) and c.tag == "Text" for ln in [_inline(c)] if ln]
        if lead:
            paras.insert(0, Paragraph("", "\n".join(lead)))
    else:
        paras.append(Paragraph("", "\n".join(_lines(sec, with_label=False))))
    note = sec.find("MarginalNote")
    return Unit(kind="section", number=number, label=(f"Sections {number}" if " " in number else f"Section {number}") if number else "",
                title=_inline(note) if note is not None else "", heading_path=list(path),
                paragraphs=[Paragraph(p.num, clean(p.text)) for p in paras if p.text.strip()])


def _schedule(sch, n: int) -> Unit | None:
    head = sch.find("ScheduleFormHeading")
    label = _label(head) if head is not None else f"SCHEDULE {n}"
    title_el = head.find("TitleText") if head is not None else None
    ref = head.find("OriginatingRef") if head is not None else None
    paras: list[Paragraph] = []
    for el in sch.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "GroupHeading":
            t = _inline(el)
            m = re.match(r"^(\d+(?:\.\d+)*)\s", t)
            paras.append(Paragraph(m.group(1) if m else "", t))
        elif el.tag == "Provision":
            t = "\n".join(_lines(el))
            if paras:
                paras[-1].text += "\n" + t
            else:
                paras.append(Paragraph("", t))
        elif el.tag == "TableGroup":
            paras.append(Paragraph("", "\n".join(_table(el))))
    paras = [Paragraph(p.num, clean(p.text)) for p in paras if p.text.strip()]
    if not paras:
        return None
    m = re.search(r"(\d+)$", label)
    return Unit(kind="annex", number=m.group(1) if m else str(n), label=label,
                title=" ".join(x for x in (_inline(title_el) if title_el is not None else "",
                                           _inline(ref) if ref is not None else "") if x),
                paragraphs=paras)


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    root = parse_xml(path)
    body = root.find("Body")
    if body is None:
        raise IngestError(path, "no <Body> element (not a Justice Laws statute XML)")
    units: list[Unit] = []
    warnings: list[str] = []
    levels: dict[int, str] = {}
    for c in body:
        if c.tag == "Heading":
            level = int(c.get("level") or 1)
            levels = {lv: t for lv, t in levels.items() if lv < level}
            levels[level] = " ".join(x for x in (_label(c), _inline(c.find("TitleText"))
                                                 if c.find("TitleText") is not None else "") if x)
        elif c.tag == "Section":
            unit = _section(c, [levels[k] for k in sorted(levels)])
            if unit.paragraphs:
                units.append(unit)
    for n, sch in enumerate(root.findall("Schedule"), 1):
        if sch.get("id") == "NifProvs" or sch.find(".//RelatedOrNotInForce") is not None:
            warnings.append("amendments not in force were skipped")
            continue
        unit = _schedule(sch, n)
        if unit:
            units.append(unit)
    return ParsedDocument(meta=meta, units=units, warnings=warnings)
