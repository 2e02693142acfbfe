"""PDF loader: text via pdfplumber (pypdf as fallback), page furniture removed,
then structure.

Colorado session laws and signed acts get C.R.S. sections ("6-1-1703. Title.")
as units, carrying their bill SECTION and PART in the heading path; a bill
SECTION without a C.R.S. section is a unit itself. Any other PDF goes to the
generic heading splitter. Running heads/footers ("PAGE 3-SENATE BILL 24-205",
"Ch. 198 Consumer and Commercial Transactions 1201"), lines repeated on most
pages, line numbers and the "Capital letters or bold ..." note are dropped.
Struck-through characters (words deleted from the statute) are dropped.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.common import read_bytes
from ingest.loaders.generic import generic_document
from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit

NAME = "pdf"

_FURNITURE = [re.compile(p) for p in (
    r"^PAGE \d+-(?:SENATE|HOUSE) BILL [\w-]+$",
    r"^Ch\. \d+ .{3,80} \d+$", r"^\d+ .{3,80} Ch\. \d+$",  # session-law running heads
    r"^\d{1,3}$", r"^[)\s]{3,}$", r"^_{5,}$",  # line numbers, ")))))" margin marks, rules
)]
_NOTE_START = re.compile(r"^Capital letters or bold")
_NOTE_CONT = re.compile(r"dashes|through words|deletions|not part of|the act\.$", re.I)
_BILL_SEC = re.compile(r"^SECTION (\d+[A-Za-z]?)\.\s", re.M)
_CRS = re.compile(r"^(?:§\s*)?(\d{1,2}-\d{1,3}(?:\.\d+)?-\d{3,4}(?:\.\d+)?)\.\s+", re.M)
_CRS_TITLE = re.compile(r"^(.{3,200}?)\.\s+(?=[A-Z(\"“]|$)", re.S)
_PART = re.compile(r"^(PART \d+(?:\.\d+)?)\n((?:[A-Z][A-Z ,'-]+\n){1,3})", re.M)
_SUBSEC = re.compile(r"^\((\d+(?:\.\d+)?)\)\s", re.M)
_BILL_NAME = re.compile(r"^((?:SENATE|HOUSE) BILL \d{2}[A-Z]?-\d+)\s*$", re.M)
_LONG = 1200


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".pdf" or head.startswith(b"%PDF-")


def _pages_pdfplumber(path: Path) -> list[str]:
    import pdfplumber  # imported on use: pdfminer is slow to import and only PDFs need it

    with pdfplumber.open(path) as pdf:
        return [_without_struck_text(p).extract_text() or "" for p in pdf.pages]


def _without_struck_text(page):
    """Drop struck-through characters: in session laws they are words deleted from the statute
    ("February 1, 2026 JUNE 30, 2026" means the date became June 30). The strike is a thin
    horizontal shape crossing the middle of the glyphs (an underline sits at the bottom)."""
    strikes = [(o["x0"], o["x1"], (o["top"] + o["bottom"]) / 2) for o in page.curves + page.rects + page.lines
               if o["bottom"] - o["top"] < 1.5 and o["x1"] - o["x0"] > 3]
    if not strikes:
        return page

    def struck(obj) -> bool:
        if obj.get("object_type") != "char":
            return False
        cx, h = (obj["x0"] + obj["x1"]) / 2, obj["bottom"] - obj["top"]
        return any(x0 <= cx <= x1 and obj["top"] + 0.25 * h <= y <= obj["bottom"] - 0.2 * h
                   for x0, x1, y in strikes)

    return page.filter(lambda obj: not struck(obj))


def _pages_pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted:
        raise IngestError(path, "encrypted PDF (remove the password first)")
    return [p.extract_text() or "" for p in reader.pages]


def extract_pages(path: Path) -> list[str]:
    data = read_bytes(path)  # empty / unreadable / too large -> IngestError
    if not data.lstrip()[:5] == b"%PDF-":
        raise IngestError(path, "not a PDF file (no %PDF header; corrupt or wrong extension)")
    if b"/Encrypt" in data:
        raise IngestError(path, "encrypted PDF (remove the password first)")
    try:
        return _pages_pdfplumber(path)
    except IngestError:
        raise
    except Exception as first:  # pdfminer raises many types for damaged files; try the other parser
        try:
            return _pages_pypdf(path)
        except IngestError:
            raise
        except Exception as second:
            raise IngestError(path, f"corrupt PDF, cannot be parsed ({type(first).__name__}: {first}; "
                                    f"pypdf: {type(second).__name__}: {second})") from second


def _strip_furniture(pages: list[str]) -> list[str]:
    """Drop running heads/footers: known patterns, and edge lines repeated on most pages."""
    page_lines = [[ln.strip() for ln in p.split("\n")] for p in pages]
    edges = Counter()
    for lines in page_lines:
        for ln in set(lines[:2] + lines[-3:]):
            edges[re.sub(r"\d+", "#", ln)] += 1
    repeated = {k for k, n in edges.items() if k and len(pages) >= 3 and n >= max(3, len(pages) * 0.5)}
    out = []
    for lines in page_lines:
        kept, in_note = [], False
        for i, ln in enumerate(lines):
            edge = i < 2 or i >= len(lines) - 3
            if _NOTE_START.match(ln):
                in_note = True
                continue
            if in_note and _NOTE_CONT.search(ln):
                continue
            in_note = False
            if not ln or any(rx.match(ln) for rx in _FURNITURE) or (edge and re.sub(r"\d+", "#", ln) in repeated):
                continue
            kept.append(ln)
        out.append("\n".join(kept))
    return out


def _join_lines(text: str) -> str:
    text = re.sub(r"(?<=[A-Za-z])-\n(?=[A-Za-z])", "-", text)  # compound word broken at a line end
    return re.sub(r"\s*\n\s*", " ", text).strip()


def _paragraphs(text: str) -> list[Paragraph]:
    """Subsections (1), (2), ... (at line starts) as paragraphs when the section is long."""
    if len(text) > _LONG:
        cuts, expected = [], 1
        first = re.search(r"\(1\)\s", text[:400])
        if first and not _SUBSEC.match(text, first.start()):
            cuts, expected = [(first.start(), "(1)")], 2  # "(1)" printed on the title line
        for m in _SUBSEC.finditer(text):
            num = m.group(1)
            if num.split(".")[0] == str(expected) or (cuts and num.startswith(f"{expected - 1}.")):
                cuts.append((m.start(), f"({num})"))
                expected = int(num.split(".")[0]) + 1
        if cuts:
            paras = [Paragraph("", _join_lines(text[:cuts[0][0]]))] if cuts[0][0] > 0 else []
            for i, (start, num) in enumerate(cuts):
                end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
                paras.append(Paragraph(num, _join_lines(text[start:end])))
            return [p for p in paras if p.text]
    return [Paragraph("", _join_lines(text))]


def _crs_units(text: str, path: list[str]) -> tuple[str, list[Unit]]:
    units, intro = [], text
    starts, prev = [], None
    for m in _CRS.finditer(text):
        before = text[:m.start()].rstrip().rsplit(None, 1)[-1:] or [""]
        key = tuple(int(x) for x in re.split(r"[-.]", m.group(1)))
        # A cross-reference wrapped onto a new line ("... SECTION\n6-1-1707.") is not a heading.
        if before[0].lower() in ("section", "sections", "to", "and", "or", "§") or text[m.end():m.end() + 1] == "(":
            continue
        if prev is not None and key[:2] == prev[:2] and key <= prev:
            continue
        starts.append(m)
        prev = key
    if starts:
        intro = text[:starts[0].start()]
    part_path: list[str] = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        body = text[m.end():end]
        # A "PART 17 / TITLE" heading printed just before the next section belongs to the next one.
        pm = next(reversed(list(_PART.finditer(body))), None)
        next_part = None
        if pm and pm.end() >= len(body.rstrip()) - 1:
            next_part = f"{pm.group(1)} {' '.join(pm.group(2).split())}"
            body = body[:pm.start()]
        head = intro if i == 0 else ""
        for hm in _PART.finditer(head):
            part_path = [f"{hm.group(1)} {' '.join(hm.group(2).split())}"]
        tm = _CRS_TITLE.match(_join_lines(body[:400]))
        title = tm.group(1) if tm and "\n" not in tm.group(1) else ""
        units.append(Unit("section", m.group(1), label=f"{m.group(1)}.", title=title,
                          heading_path=path + part_path, paragraphs=_paragraphs(body.strip())))
        if next_part:
            part_path = [next_part]
    return intro, units


def parse_colorado(text: str) -> list[Unit]:
    name = _BILL_NAME.search(text)
    bill = name.group(1).title().replace("Bill", "Bill") if name else ""
    secs = list(_BILL_SEC.finditer(text))
    units: list[Unit] = []
    if secs and secs[0].start() > 0:
        units.append(Unit("page", "preamble", label=bill or "Preamble",
                          paragraphs=[Paragraph("", _join_lines(text[:secs[0].start()]))]))
    for i, s in enumerate(secs):
        end = secs[i + 1].start() if i + 1 < len(secs) else len(text)
        label = f"SECTION {s.group(1)}."
        body = text[s.end():end]
        base = [x for x in (bill, label) if x]
        intro, found = _crs_units(body, base)
        if found:
            units += found
        else:
            units.append(Unit("section", f"SEC. {s.group(1)}", label=label, heading_path=[bill] if bill else [],
                              paragraphs=_paragraphs(body.strip())))
        del intro  # the amending clause ("In Colorado Revised Statutes, add part 17 ...") is not law text
    return [u for u in units if u.text.strip()]


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    pages = extract_pages(path)
    if not any(p.strip() for p in pages):
        raise IngestError(path, f"no extractable text in {len(pages)} page(s) (scanned PDF? run OCR first)")
    text = "\n".join(_strip_furniture(pages))
    if _BILL_SEC.search(text) and (_CRS.search(text) or "Be it enacted" in text):
        return ParsedDocument(meta=meta, units=parse_colorado(text))
    return generic_document(text, meta)
