"""Shared by the Japanese law loaders (e-Gov XML in Japanese, Japanese Law
Translation XML in English): article numbers such as
第二十六条の二 -> "26-2", and the walk over the common law-XML schema
(Law > LawBody > MainProvision > Part/Chapter/Section > Article > Paragraph).

Both sources use the same element names (the JLT DTD is derived from the
e-Gov one), so only the sentence separator and labels differ by language.
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.common import clean
from ingest.loaders.xmlutil import parse_xml, text_without
from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit
from rag.core.numerals import cjk_to_int

# Only the numerals e-Gov prints (no Chinese 零/两, no 壱/弐): a label outside this set is not Japanese.
_ARTICLE_JA = re.compile(r"第([〇一二三四五六七八九十百千万０-９0-9]+)条((?:の[〇一二三四五六七八九十百千０-９0-9]+)*)")
_ARTICLE_EN = re.compile(r"Article\s+(\d+)((?:-\d+)*)")


def article_number(label: str) -> str:
    """第二十六条の二 -> "26-2", 第十六条 -> "16", "Article 26-2" -> "26-2"; "" if none."""
    m = _ARTICLE_JA.search(label)
    if m:
        parts = [cjk_to_int(m.group(1))] + [cjk_to_int(x) for x in m.group(2).split("の") if x]
        return "-".join(str(p) for p in parts)
    m = _ARTICLE_EN.search(label)
    return m.group(1) + m.group(2) if m else ""


def number_from_attr(num: str) -> str:
    """e-Gov Num attribute: "26_2" -> "26-2"; a deleted range "73:76" stays "73:76"."""
    return num.replace("_", "-") if num else ""


# ---- XML walk ----------------------------------------------------------------------------------

_STRUCT = {"Part": "PartTitle", "Chapter": "ChapterTitle", "Section": "SectionTitle",
           "Subsection": "SubsectionTitle", "Division": "DivisionTitle"}
_SKIP = {"ParagraphNum", "ArticleTitle", "ArticleCaption", "SupplProvisionLabel", "RelatedArticleNum"}


def inline_text(el) -> str:
    """Text of an element without ruby readings (<Rt>), which are not part of the statute text."""
    return text_without(el, ("Rt",))


def _sentences(el, sep: str) -> str:
    cols = [c for c in el if c.tag == "Column"]
    if cols:  # definition tables in items: "term　meaning"
        return " ".join(_sentences(c, sep) for c in cols)
    sents = [c for c in el if c.tag == "Sentence"]
    if sents:
        return sep.join(s for s in (inline_text(x).strip() for x in sents) if s)
    return inline_text(el).strip()


def _table(el, sep: str) -> list[str]:
    rows = []
    for row in el.iter("TableRow", "TableHeaderRow"):
        cells = [" ".join(_lines(c, sep)) for c in row]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _lines(el, sep: str) -> list[str]:
    """Lines of a paragraph/item block: its own sentence first, then sub-items, tables, lists."""
    head: list[str] = []
    body: list[str] = []
    for c in el:
        tag = c.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag.endswith("Title") or tag == "ParagraphCaption":  # ItemTitle 一 / (i), Subitem1Title イ
            head.append(inline_text(c).strip())
        elif tag.endswith("Sentence") and tag != "Sentence":  # ParagraphSentence, ItemSentence, ...
            head.append(_sentences(c, sep))
        elif tag == "Sentence":
            head.append(inline_text(c).strip())
        elif tag == "TableStruct":
            body += _table(c, sep)
        elif len(c):
            body += _lines(c, sep)
        else:
            t = inline_text(c).strip()
            if t:
                body.append(t)
    line = " ".join(h for h in head if h)
    return ([line] if line else []) + body


def _paragraphs(els, sep: str) -> list[Paragraph]:
    out = []
    for i, p in enumerate(els, 1):
        text = clean("\n".join(_lines(p, sep)))
        if text:
            out.append(Paragraph(p.get("Num") or str(i), text))
    if len(out) == 1 and not (els[0].findtext("ParagraphNum") or "").strip():
        out[0].num = ""  # a one-paragraph article has no paragraph number to cite ("Art. 16", not "16(1)")
    return out


def _article(a, sep: str, kind: str, path: list[str], prefix: str = "", label_prefix: str = "") -> Unit:
    title_el = a.find("ArticleTitle")
    label = clean(inline_text(title_el)) if title_el is not None else ""
    number = number_from_attr(a.get("Num", "")) or article_number(label)
    cap = a.find("ArticleCaption")
    paras = _paragraphs(a.findall("Paragraph"), sep)
    if not paras:  # an article whose body is not in <Paragraph> (rare): keep whatever text it has
        text = clean("\n".join(_lines(a, sep)))
        paras = [Paragraph("", text)] if text else []
    return Unit(kind=kind, number=prefix + number, label=(label_prefix + " " + label).strip(),
                title=clean(inline_text(cap)) if cap is not None else "", heading_path=list(path),
                paragraphs=paras)


def _walk(el, sep: str, path: list[str], units: list[Unit]) -> None:
    for c in el:
        if c.tag in _STRUCT:
            t = c.find(_STRUCT[c.tag])
            _walk(c, sep, path + ([clean(inline_text(t))] if t is not None else []), units)
        elif c.tag == "Article":
            units.append(_article(c, sep, "article", path))
        elif c.tag == "Paragraph":  # a law without articles: its paragraphs are the units
            for p in _paragraphs([c], sep):
                units.append(Unit(kind="paragraph", number=p.num, label=p.num, heading_path=list(path),
                                  paragraphs=[p]))


def _suppl(sp, sep: str, units: list[Unit]) -> None:
    lab = sp.find("SupplProvisionLabel")
    label = clean(inline_text(lab)) if lab is not None else "Supplementary Provisions"
    amend = sp.get("AmendLawNum", "")
    heading = f"{label} ({amend})" if amend else label
    # Why a prefix: supplementary provisions restart at Article 1, and a lookup of "Article 1"
    # must find the main provision, not a transitional measure.
    before = len(units)
    for a in sp.iter("Article"):
        if a.getparent().tag in ("NewProvision", "AmendProvision"):
            continue  # amended text quoted inside an amending provision stays in that provision
        units.append(_article(a, sep, "supplementary", [heading], prefix="suppl-", label_prefix=label))
    if len(units) == before:
        paras = _paragraphs(sp.findall("Paragraph"), sep)
        if paras:
            units.append(Unit(kind="supplementary", number="suppl", label=label, heading_path=[heading],
                              paragraphs=paras))


def _appendix(ap, sep: str, n: int) -> Unit | None:
    t = ap.find("AppdxTableTitle")
    label = clean(inline_text(t)) if t is not None else f"Appended Table {n}"
    rel = ap.find("RelatedArticleNum")
    text = clean("\n".join(_lines(ap, sep)))
    if not text:
        return None
    return Unit(kind="annex", number=ap.get("Num") or str(n), label=label,
                title=clean(inline_text(rel)) if rel is not None else "", paragraphs=[Paragraph("", text)])


def parse_law_xml(path: Path, meta: DocMeta, sep: str) -> ParsedDocument:
    """Parse e-Gov / JLT law XML. ``sep`` joins sentences ("" for Japanese, " " for English)."""
    root = parse_xml(path)
    code = root.findtext("Result/Code") if root.tag == "DataRoot" else None
    if code not in (None, "0"):  # an e-Gov API error response saved as a file
        raise IngestError(path, f"e-Gov API error response (code {code}): {root.findtext('Result/Message') or ''}")
    law = root if root.tag == "Law" else root.find(".//Law")
    body = law.find("LawBody") if law is not None else None
    if body is None:
        raise IngestError(path, "no <Law>/<LawBody> element (not e-Gov or JLT law XML)")
    units: list[Unit] = []
    warnings: list[str] = []
    main = body.find("MainProvision")
    if main is not None:
        _walk(main, sep, [], units)
    else:
        warnings.append("no <MainProvision> found")
    for sp in body.findall("SupplProvision"):
        _suppl(sp, sep, units)
    for i, ap in enumerate(body.findall("AppdxTable"), 1):
        u = _appendix(ap, sep, i)
        if u:
            units.append(u)
    return ParsedDocument(meta=meta, units=units, warnings=warnings)
