"""California leginfo page text (us/california/*.txt): code pages and bill pages
scraped with the site's navigation around them, usually as one long line.

We cut the navigation (menus, search boxes, version lists, footer), then:
- code pages: headings "DIVISION 8. ... [18400 - 22949.92.2] ( ... )" form the
  heading path; every code section "22757.1. ..." is a unit;
- bill pages: a preamble and the Legislative Counsel's Digest (kind "page"),
  then bill sections "SECTION 1." / "SEC. 2."; a code section quoted in a bill
  section ("... is amended to read: 22757.1. ...") is its own unit carrying the
  bill section in its heading path; a bill section without one is a unit itself.
Long sections are split into subdivisions (a), (b), ... as paragraphs.
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.common import read_text
from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit

NAME = "leginfo_text"

_SNIFF = re.compile(rb"Bill\s+Information\s+California\s+Law|leginfo\.legislature\.ca\.gov|Codes Display Text")
# Where the law text starts, in order of preference (everything before is site navigation).
_STARTS = (re.compile(r"#DOCUMENT\s+Bill Start\s*"), re.compile(r"Add To My Favorites\s+Code Text\s*"),
           re.compile(r"Up\^\s+Add To My Favorites\s*"))
_FOOTER = re.compile(r"\s+(?:[A-Z]{2,5} [A-Z][A-Za-z ]+ Code - [A-Z]{2,5}|O)\s*$")
# Page furniture of text extracted from the printed bill PDF: page numbers, "Ch. 674 —2—", a lone "O".
_PAGE_LINE = re.compile(r"^\s*(?:\d{1,3}|O|(?:Ch\. \d+\s+)?—\d+—(?:\s+Ch\. \d+)?)\s*$")
_CODE_HEADING = re.compile(r"\b(DIVISION|PART|TITLE|CHAPTER|ARTICLE) (\d+(?:\.\d+)*)\. (.+?) \[([\d.]+) - ([\d.]+)\]"
                           r"(?: \( [^()]*? \))?\s*")
_CODE_NAME = re.compile(r"^([A-Z][A-Za-z ]+ Code) - [A-Z]{2,5}\s*", re.I)
_BILL_SEC = re.compile(r"(?<![A-Za-z])(SECTION|SEC\.) (\d+(?:\.\d+)?)\. ")
_ENACT = re.compile(r"The people of the State of California do enact as follows:\s*", re.I)
_DIGEST = re.compile(r"legislative counsel['’]s digest\s*", re.I)
_BILL_NAME = re.compile(r"(?:Senate|Assembly) Bill No\. \d+(?: CHAPTER \d+)?")
# A code section number starts a sentence ("...) 22757.4. (a) ..." or "to read: 35. (a) ...").
_SECTION_START = re.compile(r"(?:(?<=^)|(?<=[.:)\]] ))(\d{2,6}(?:\.\d+)*)\. (?=[A-Z(“\"‘])")
_BILL_CHAPTER = re.compile(r"^(?:TITLE|DIVISION|PART|CHAPTER|ARTICLE) \d+(?:\.\d+)*\. .+?(?= \d{2,6}(?:\.\d+)*\. [A-Z(“\"‘]|$)")
_FIRST_AFTER_READ = re.compile(r"\s*(?:(?:TITLE|DIVISION|PART|CHAPTER|ARTICLE) \d+(?:\.\d+)*\. .+? )?"
                               r"(\d{1,6}(?:\.\d+)*)\. (?=[A-Z(“\"‘])")
_AMENDING_CODE = re.compile(r"\b(?:of|to) the ((?:[A-Z][a-z]+ )+(?:and [A-Z][a-z]+ )?Code)\b")
_HISTORY = re.compile(r"\s*\((?:Added|Amended|Repealed|Renumbered|Enacted)\b[^()]*(?:\([^()]*\)[^()]*)*\)\s*$")
_SUBDIV = re.compile(r"(?:(?<=^)|(?<=[.:;] ))\(([a-z]{1,2})\) ")
_LONG = 1200  # split into subdivisions above this many characters (a chunk is ~1200 characters)


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".txt", ".text") and bool(_SNIFF.search(head))


def _flatten(raw: str) -> str:
    lines = [ln for ln in raw.replace("\r", "\n").split("\n") if not _PAGE_LINE.match(ln)]
    text = "\n".join(ln.strip() for ln in lines)
    text = re.sub(r"(?<=[a-z])-\n(?=[a-z])", "-", text)  # word broken across printed lines
    return re.sub(r"\s+", " ", text).strip()


def strip_navigation(text: str) -> str:
    """The page text without the site's menus, search box and footer."""
    for rx in _STARTS:
        found = list(rx.finditer(text))
        if found:
            text = text[found[-1].end():]
            break
    return _FOOTER.sub("", text).strip()


def _key(num: str) -> tuple[int, ...]:
    return tuple(int(x) for x in num.split("."))


def _history_split(text: str) -> list[str]:
    m = _HISTORY.search(text)
    return [text[:m.start()].strip(), m.group(0).strip()] if m and m.start() > 0 else [text]


def _paragraphs(text: str) -> list[Paragraph]:
    """Subdivisions (a), (b), ... as paragraphs when the section is long; the history note last."""
    parts = _history_split(text)
    body, tail = parts[0], parts[1:]
    paras: list[Paragraph] = []
    if len(body) > _LONG:
        expected, cuts = "a", []
        for m in _SUBDIV.finditer(body):
            if m.group(1) == expected:
                cuts.append((m.start(), m.group(1)))
                expected = chr(ord(expected) + 1) if len(expected) == 1 and expected < "z" else "~"
        if cuts:
            if cuts[0][0] > 0:
                paras.append(Paragraph("", body[:cuts[0][0]].strip()))
            for i, (start, letter) in enumerate(cuts):
                end = cuts[i + 1][0] if i + 1 < len(cuts) else len(body)
                paras.append(Paragraph(f"({letter})", body[start:end].strip()))
    if not paras:
        paras = [Paragraph("", body)]
    return [p for p in paras if p.text] + [Paragraph("", t) for t in tail]


def _code_sections(text: str, path: list[str], lo: tuple | None = None, hi: tuple | None = None,
                   after_read: bool = False) -> tuple[str, list[Unit]]:
    """Split text into code sections; returns (text before the first section, units).

    ``after_read``: in a bill section the first code section follows "... to read:" and an
    optional CHAPTER/TITLE heading, so it need not start a sentence.
    """
    starts: list[tuple[int, int, str]] = []
    prev: tuple | None = None
    if after_read:
        r = text.find("read:")
        if r < 0:
            return text.strip(), []
        m = _FIRST_AFTER_READ.match(text, r + len("read:"))
        if not m:
            return text.strip(), []
        starts.append((m.start(1), m.end(), m.group(1)))
        prev = _key(m.group(1))
    for m in _SECTION_START.finditer(text, starts[0][1] if starts else 0):
        num, k = m.group(1), _key(m.group(1))
        if lo is not None and not (lo[:1] <= k[:1] <= hi[:1]):
            continue
        if prev is not None and (k <= prev or len(str(k[0])) != len(str(prev[0]))):
            continue
        starts.append((m.start(), m.end(), num))
        prev = k
    units = []
    for i, (_start, e, num) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        body = text[e:end].strip()
        units.append(Unit("section", num, label=f"{num}.", heading_path=list(path), paragraphs=_paragraphs(body)))
    return (text[:starts[0][0]] if starts else text).strip(), units


def _code_page(text: str) -> list[Unit]:
    path: list[str] = []
    m = _CODE_NAME.match(text)
    if m:
        name = m.group(1)
        path.append(name.title().replace(" And ", " and ") if name.isupper() else name)
        text = text[m.end():]
    lo = hi = None
    level = {"TITLE": 0, "DIVISION": 1, "PART": 2, "CHAPTER": 3, "ARTICLE": 4}
    pos, units, levels = 0, [], []
    heads = list(_CODE_HEADING.finditer(text))
    for i, h in enumerate(heads):
        lv = level[h.group(1)]
        while levels and levels[-1][0] >= lv:
            levels.pop()
        levels.append((lv, f"{h.group(1).capitalize()} {h.group(2)}. {h.group(3)}"))
        lo, hi = _key(h.group(4)), _key(h.group(5))
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        _, found = _code_sections(text[h.end():end], path + [x for _, x in levels], lo, hi)
        units += found
        pos = end
    if not heads:
        _, units = _code_sections(text[pos:], path)
    return units


def _bill_page(text: str) -> list[Unit]:
    units: list[Unit] = []
    enact = _ENACT.search(text)
    head, body = (text[:enact.start()], text[enact.end():]) if enact else ("", text)
    name_m = _BILL_NAME.search(head)
    bill = name_m.group(0) if name_m else ""
    if name_m and _CODE_HEADING.search(head[:name_m.start()]):
        units += _code_page(head[:name_m.start()])  # a code page followed by a bill (compiled texts)
        head = head[name_m.start():]
    dig = _DIGEST.search(head)
    pre = head[:dig.start()] if dig else head
    if pre.strip():
        units.append(Unit("page", "preamble", label=bill or "Preamble", paragraphs=[Paragraph("", pre.strip())]))
    if dig:
        units.append(Unit("page", "digest", label="Legislative Counsel's Digest", heading_path=[bill] if bill else [],
                          paragraphs=_paragraphs(head[dig.end():].strip())))
    secs = list(_BILL_SEC.finditer(body))
    for i, s in enumerate(secs):
        end = secs[i + 1].start() if i + 1 < len(secs) else len(body)
        label = f"{s.group(1)} {s.group(2)}."
        stext = body[s.end():end].strip()
        base = [x for x in (bill, label) if x]
        intro, found = _code_sections(stext, base, after_read=True)
        if found:
            code = _AMENDING_CODE.search(intro)
            chap = _BILL_CHAPTER.search(intro.split("read:")[-1].strip())
            extra = [x for x in (code.group(1) if code else "", chap.group(0).strip() if chap else "") if x]
            for u in found:
                u.heading_path = base + extra
            units += found
        else:
            units.append(Unit("section", f"SEC. {s.group(2)}", label=label, heading_path=[bill] if bill else [],
                              paragraphs=_paragraphs(stext)))
    if not secs and not enact:
        units += _code_page(body)
    return units


def parse_text(raw: str) -> list[Unit]:
    text = strip_navigation(_flatten(raw))
    if _ENACT.search(text) or _DIGEST.search(text):
        return _bill_page(text)
    return _code_page(text)


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    units = [u for u in parse_text(read_text(path)) if u.text.strip()]
    if not any(u.kind == "section" for u in units):
        raise IngestError(path, "no code or bill sections found in the leginfo page text")
    return ParsedDocument(meta=meta, units=units)
