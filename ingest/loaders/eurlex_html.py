"""EUR-Lex loader: Official Journal XHTML (AI Act, GDPR, DSA, DMA) and the
consolidated-text HTML (e.g. the ePrivacy Directive).

Both formats mark structure with ELI ids: ``rct_27`` (recital), ``art_99``
(article), ``anx_III`` (annex), ``cpt_XII`` / ``cpt_III.sct_1`` (chapter,
section). We walk those containers instead of guessing from text, so the unit
counts match the act exactly. The OJ header, citations, signatures, footnotes,
note markers and the consolidation's ▼M1 amendment markers are dropped.
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html

from ingest.errors import IngestError
from ingest.loaders.common import read_bytes
from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit

NAME = "eurlex_html"

_MARKERS = (b"oj-hd-", b"eli-subdivision", b"eli-container", b"title-article-norm", b"eur-lex.europa.eu")
_ART_ID = re.compile(r"^art_(\d+[a-z]*)$")
_RCT_ID = re.compile(r"^rct_(\d+[a-z]*)$")
_ANX_ID = re.compile(r"^anx_([A-Za-z0-9]+)$")
_DIV_ID = re.compile(r"(?:^|\.)(?:prt|tis|cpt|sct|sbs)_[A-Za-z0-9]+$")
_PARA_NUM = re.compile(r"^(\d+[a-z]?)\.(?:\s+|$)")
_POINT = re.compile(r"^\((\d+[a-z]?|[a-z]{1,2})\)\s")
_EMPTY_PARENS = re.compile(r"\(\s*\)")
_WS = re.compile(r"[ \t\u00a0\u2002\u2003\u2009]+")
# Elements that are never law text: footnotes, note call-outs, amendment arrows, scripts.
_DROP_XPATH = ("//script | //style | //*[contains(@class,'oj-note')] | //*[contains(@class,'footnote')]"
               " | //*[contains(@class,'modref')] | //*[contains(@class,'arrow')]"
               " | //a[.//*[contains(@class,'oj-note-tag') or contains(@class,'superscript')]]")
_BLOCK_TAGS = {"p", "div", "table", "tbody", "tr", "td", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
_SMALL_WORDS = {"IN", "OF", "TO", "ON", "BY", "OR", "AN", "AT", "AS", "IS", "BE", "NO", "A"}


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".xhtml", ".html", ".htm") and any(m in head for m in _MARKERS) \
        and (b'id="art_' in head or b"oj-" in head or b"eli-" in head)


def _norm(text: str) -> str:
    text = _EMPTY_PARENS.sub("", text)
    return _WS.sub(" ", text).strip()


def _inline(el) -> str:
    return _norm("".join(el.itertext()))


def _has_blocks(el) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el)


def _lines(el) -> list[str]:
    """Flatten an element into text lines; a table row "(a) | text" becomes "(a) text"."""
    if not isinstance(el.tag, str):
        return []
    if el.tag in ("table", "tbody"):
        out: list[str] = []
        for row in el.iter("tr"):
            if row.getparent() is not el and row.getparent().getparent() is not el:
                continue  # nested tables are handled inside their cell
            cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            if not cells:
                continue
            label = " ".join(t for t in (_inline(c) for c in cells[:-1]) if t)
            body = _lines(cells[-1])
            if label and body:
                body[0] = f"{label} {body[0]}"
            elif label:
                body = [label]
            out += body
        return out
    if not _has_blocks(el):
        t = _inline(el)
        return [t] if t else []
    out = []
    lead = _norm(el.text or "")
    if lead:
        out.append(lead)
    for c in el:
        if not isinstance(c.tag, str):
            continue
        if c.tag in _BLOCK_TAGS:
            out += _lines(c)
        else:
            t = _inline(c)
            if t:
                out.append(t)
        tail = _norm(c.tail or "")
        if tail:
            out.append(tail)
    return out


def _heading_case(text: str) -> str:
    """'PROHIBITED AI PRACTICES' -> 'Prohibited AI practices' (OJ prints chapter titles in capitals)."""
    if not text.isupper():
        return text
    words = text.split()
    out = []
    for i, w in enumerate(words):
        core = w.strip("‘’'\"(),.:;")
        if len(core) == 2 and core.isalpha() and core not in _SMALL_WORDS:
            out.append(w)  # acronym such as AI, EU
        elif i == 0:
            out.append(w.capitalize() if "-" not in w else "-".join(p.capitalize() if j == 0 else p.lower()
                                                                   for j, p in enumerate(w.split("-"))))
        else:
            out.append(w.lower())
    return " ".join(out)


def _element_children(div):
    """(child, its class attribute) for each element child; comments and PIs are not text."""
    for c in div:
        if isinstance(c.tag, str):
            yield c, c.get("class") or ""


def _numbered_block(c) -> tuple[str, str]:
    """Text of a body block and its paragraph number ("3. ..." -> "3", "" when unnumbered)."""
    text = "\n".join(_lines(c))
    m = _PARA_NUM.match(text)
    return text, m.group(1) if m else ""


def _division_heading(div) -> str:
    """'CHAPTER XII' + 'PENALTIES' -> 'Chapter XII Penalties'."""
    label, title = "", ""
    for c, cls in _element_children(div):
        if not label and c.tag == "p":
            label = _inline(c)
        elif "eli-title" in cls and not title:
            title = _inline(c)
        elif c.get("id"):
            break
    m = re.match(r"^(CHAPTER|SECTION|TITLE|PART|SUBSECTION)\s+(.*)$", label, re.I)
    if m:
        label = f"{m.group(1).capitalize()} {m.group(2)}"
    return " ".join(x for x in (label, _heading_case(title)) if x)


def _heading_path(el) -> list[str]:
    path = []
    for anc in el.iterancestors():
        aid = anc.get("id") or ""
        if _DIV_ID.search(aid) and ".tit_" not in aid:
            path.append(_division_heading(anc))
    return [p for p in reversed(path) if p]


def _article(div, number: str) -> Unit:
    label, title = f"Article {number}", ""
    paras: list[Paragraph] = []
    for c, cls in _element_children(div):
        if "oj-ti-art" in cls or "title-article-norm" in cls and "stitle" not in cls:
            label = _inline(c) or label
            continue
        if "eli-title" in cls:
            title = _inline(c)
            continue
        text, num = _numbered_block(c)
        if not text:
            continue
        if num:
            paras.append(Paragraph(num, text))
        elif paras and paras[-1].num[:1].isdigit():
            # Unnumbered text after a numbered paragraph is its subparagraph or point list.
            paras[-1].text += "\n" + text
        else:
            # Articles without numbered paragraphs: each point ("(1) 'AI system' means") stands alone.
            pm = _POINT.match(text)
            paras.append(Paragraph(f"({pm.group(1)})" if pm else "", text))
    return Unit("article", number, label=label, title=title, heading_path=_heading_path(div), paragraphs=paras)


def _recital(div, number: str) -> Unit:
    cells = div.xpath(".//td")
    body = _lines(cells[-1]) if cells else _lines(div)
    if body and re.fullmatch(r"\(\d+[a-z]*\)", body[0]):
        body = body[1:]
    return Unit("recital", number, label=f"({number})", paragraphs=[Paragraph("", "\n".join(body))])


def _annex(div) -> Unit:
    label, title, paras = "", "", []
    for c, cls in _element_children(div):
        if "oj-doc-ti" in cls and not label:
            label = _inline(c)
            continue
        if "oj-doc-ti" in cls and not title and not paras:
            title = _inline(c)
            continue
        text, num = _numbered_block(c)
        if text:
            paras.append(Paragraph(num, text))
    m = re.match(r"^ANNEX\s*([IVXLC]+|\d+)?\b", label, re.I)
    number = (m.group(1) or "") if m else ""
    return Unit("annex", number, label=label or "ANNEX", title=title, paragraphs=paras)


def parse_html(path: Path, data: bytes) -> list[Unit]:
    try:
        root = lxml.html.fromstring(data)
    except Exception as e:  # lxml raises several types for garbage input
        raise IngestError(path, f"not parseable as HTML ({type(e).__name__}: {e})") from e
    for el in root.xpath(_DROP_XPATH):
        el.drop_tree()
    units: list[Unit] = []
    for el in root.iter("div"):
        eid = el.get("id") or ""
        if m := _RCT_ID.match(eid):
            units.append(_recital(el, m.group(1)))
        elif m := _ART_ID.match(eid):
            units.append(_article(el, m.group(1)))
        elif _ANX_ID.match(eid):
            units.append(_annex(el))
    return [u for u in units if u.paragraphs]


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    data = read_bytes(path)
    units = parse_html(path, data)
    warnings: list[str] = []
    if not any(u.kind == "article" for u in units):
        # Not ELI-marked after all (an older EUR-Lex page): fall back to the generic HTML loader.
        from ingest.loaders import html as generic_html

        doc = generic_html.load(path, meta)
        doc.warnings.insert(0, "no EUR-Lex article markup found; used the generic HTML loader")
        return doc
    return ParsedDocument(meta=meta, units=units, warnings=warnings)
