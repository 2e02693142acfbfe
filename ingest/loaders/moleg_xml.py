"""Loader for Korean statutes from the MOLEG Law Open API (law.go.kr):
the Korean XML (``<법령>`` with ``<조문단위>`` articles, ``<항>``/``<호>``/``<목>``)
and the English translation XML (``<Law><JoSection><Jo>``, text in ``joCts``).

Branch articles (제17조의2 / Article 17-2) get number "17-2"; chapter and
section headings (조문여부 "전문", or ``joYn`` N in English) go to heading_path;
addenda (부칙 / ADDENDA) are units of kind "supplementary".
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.common import clean
from ingest.loaders.xmlutil import parse_xml
from ingest.model import DocMeta, Paragraph, ParsedDocument, Unit
from rag.core.numerals import CIRCLED_NUMBERS

NAME = "moleg_xml"

_CIRCLED = {c: str(n) for c, n in CIRCLED_NUMBERS.items()}  # ① .. ⑳
_LEVEL_KO = {"편": 0, "장": 1, "절": 2, "관": 3}
_LEVEL_EN = {"PART": 0, "CHAPTER": 1, "SECTION": 2, "SUB-SECTION": 3, "SUBSECTION": 3}
_KO_LABEL = re.compile(r"^제(\d+)조(?:의(\d+))?(?:\(([^)]*)\))?\s*")
_KO_NEW_ARTICLE = re.compile(r"^제(\d+)조의(\d+)(?:을|를) 다음과 같이 신설한다\.?$")
_KO_HEADING = re.compile(r"제\d+(?:편|장|절|관)")
_EN_PARA = re.compile(r"^\((\d+(?:-\d+)?)\)\s")
_EN_ARTICLE_LINE = re.compile(r"^Article\s+(\d+(?:-\d+)?)\b")
_KO_ARTICLE_LINE = re.compile(r"^제(\d+)조(?:의(\d+))?[\s(]")


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() != ".xml":
        return False
    return "<법령".encode() in head or (b"<Law>" in head and (b"<JoSection" in head or b"<InfSection" in head))


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    root = parse_xml(path)
    if root.tag == "법령":
        return _load_korean(root, meta)
    if root.find("JoSection") is not None:
        return _load_english(root, meta)
    raise IngestError(path, f"not a MOLEG law XML (root <{root.tag}>, no <조문> or <JoSection>)")


class _Headings:
    """Chapter/section path: a new heading replaces those at its level and below."""

    def __init__(self):
        self.stack: list[tuple[int, str]] = []

    def push(self, level: int, title: str) -> None:
        self.stack = [(lv, t) for lv, t in self.stack if lv < level] + [(level, title)]

    @property
    def path(self) -> list[str]:
        return [t for _, t in self.stack]


# ---- Korean (law.go.kr) ------------------------------------------------------------------------

def _txt(el) -> str:
    return clean(el.text or "") if el is not None else ""


def _ko_items(el) -> list[str]:
    """Lines of the 호 (items) and 목 (sub-items) under a 항 or an article."""
    lines = []
    for ho in el.findall("호"):
        lines.append(_txt(ho.find("호내용")))
        for mok in ho.findall("목"):
            lines.append(_txt(mok.find("목내용")))
    return [ln for ln in lines if ln]


def _ko_paragraphs(unit_el, intro: str) -> list[Paragraph]:
    paras: list[Paragraph] = []
    if intro:
        paras.append(Paragraph("", intro))
    for hang in unit_el.findall("항"):
        num = _txt(hang.find("항번호"))
        body = _txt(hang.find("항내용"))
        items = _ko_items(hang)
        if num or body:
            paras.append(Paragraph(_CIRCLED.get(num[:1], num.rstrip(".")), "\n".join([body] + items).strip()))
        elif items and paras:  # items of the article's lead sentence (e.g. 제2조 definitions)
            paras[-1].text = "\n".join([paras[-1].text] + items)
        elif items:
            paras.append(Paragraph("", "\n".join(items)))
    return paras


def _load_korean(root, meta: DocMeta) -> ParsedDocument:
    units: list[Unit] = []
    warnings: list[str] = []
    heads = _Headings()
    for u in root.iter("조문단위"):
        content = _txt(u.find("조문내용"))
        if u.findtext("조문여부") == "전문":  # a chapter/section heading, possibly both in one line
            for part in re.split(r"\s{2,}|\n", (u.findtext("조문내용") or "").strip()):
                m = _KO_HEADING.match(part.strip())
                if m:
                    heads.push(_LEVEL_KO[m.group(0)[-1]], clean(part))
            continue
        m = _KO_LABEL.match(content)
        num = u.findtext("조문번호", "").strip()
        branch = (u.findtext("조문가지번호") or "").strip()
        if m:
            num, branch = m.group(1), m.group(2) or branch
        label = f"제{num}조" + (f"의{branch}" if branch else "")
        intro = content[m.end():].strip() if m else content
        units.append(Unit(kind="article", number=num + (f"-{branch}" if branch else ""), label=label,
                          title=clean(u.findtext("조문제목") or ""), heading_path=heads.path,
                          paragraphs=_ko_paragraphs(u, intro)))
    added = _ko_new_articles(root, units)
    if added:
        warnings.append("articles " + ", ".join(added) + " are taken from the amendment text (개정문): "
                        "the article list of this file predates their entry into force; partial amendments "
                        "listed there are not applied")
    for i, b in enumerate(root.iter("부칙단위"), 1):
        text = "\n".join(ln for ln in (b.findtext("부칙내용") or "").split("\n"))
        unit = _addendum(text, b.findtext("부칙공포번호") or str(i))
        if unit:
            units.append(unit)
    return ParsedDocument(meta=meta, units=units, warnings=warnings)


def _ko_new_articles(root, units: list[Unit]) -> list[str]:
    """Wholly new branch articles ("제17조의2를 다음과 같이 신설한다.") found only in the amendment
    text are inserted after their base article, so the document holds every article of the law."""
    amend = root.find(".//개정문내용")
    if amend is None:
        return []
    lines = [clean(ln) for ln in "".join(amend.itertext()).split("\n")]
    lines = [ln for ln in lines if ln]
    have = {u.number for u in units}
    added = []
    for i, ln in enumerate(lines):
        m = _KO_NEW_ARTICLE.match(ln)
        if not m or f"{m.group(1)}-{m.group(2)}" in have:
            continue
        number = f"{m.group(1)}-{m.group(2)}"
        body: list[str] = []
        for nxt in lines[i + 1:]:
            if body and (nxt.endswith("한다.") and nxt.startswith("제") or nxt == "부칙"):
                break  # the next amendment instruction
            body.append(nxt)
        lm = _KO_LABEL.match(body[0]) if body else None
        if not lm:
            continue
        paras: list[Paragraph] = []
        first = body[0][lm.end():].strip()
        for line in [first] + body[1:]:
            if line[:1] in _CIRCLED or not paras:
                paras.append(Paragraph(_CIRCLED.get(line[:1], ""), line))
            else:
                paras[-1].text += "\n" + line
        pos = max((k for k, u in enumerate(units) if u.kind == "article" and
                   _sort_key(u.number) < _sort_key(number)), default=len(units) - 1)
        units.insert(pos + 1, Unit(kind="article", number=number, label=f"제{m.group(1)}조의{m.group(2)}",
                                   title=lm.group(3) or "", heading_path=list(units[pos].heading_path),
                                   paragraphs=paras))
        added.append(number)
    return added


def _sort_key(number: str) -> tuple[int, ...]:
    return tuple(int(x) for x in number.split("-") if x.isdigit())


def _addendum(text: str, act_no: str) -> Unit | None:
    lines = [clean(ln) for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return None
    label, rest = lines[0], lines[1:]
    paras: list[Paragraph] = []
    for ln in rest:
        m = _KO_ARTICLE_LINE.match(ln) or _EN_ARTICLE_LINE.match(ln)
        if m or not paras:
            paras.append(Paragraph(m.group(1) if m else "", ln))
        else:
            paras[-1].text += "\n" + ln
    if not paras:
        paras = [Paragraph("", label)]
    return Unit(kind="supplementary", number=f"suppl-{act_no.strip()}", label=label, heading_path=[label],
                paragraphs=paras)


# ---- English (MOLEG translation) ---------------------------------------------------------------

def _load_english(root, meta: DocMeta) -> ParsedDocument:
    units: list[Unit] = []
    heads = _Headings()
    for jo in root.iter("Jo"):
        cts = (jo.findtext("joCts") or "").strip()
        if jo.findtext("joYn") == "N":
            first = cts.split()[0].upper() if cts else ""
            if first in _LEVEL_EN:
                heads.push(_LEVEL_EN[first], clean(cts))
            continue
        base = str(int(jo.findtext("joNo") or "0"))
        br = int(jo.findtext("joBrNo") or "0")
        number = base + (f"-{br}" if br else "")
        title = clean(jo.findtext("joTtl") or "")
        lines = [clean(ln) for ln in cts.split("\n")]
        lines = [ln for ln in lines if ln]
        prefix = f"Article {number} ({title})"
        if lines and lines[0].startswith(prefix):
            lines[0] = lines[0][len(prefix):].strip()
        elif lines:
            lines[0] = re.sub(r"^Article\s+\d+(?:-\d+)?\s*(\([^)]*\))?\s*", "", lines[0])
        paras: list[Paragraph] = []
        for ln in lines:
            if not ln:
                continue
            m = _EN_PARA.match(ln)
            if m or not paras:
                paras.append(Paragraph(m.group(1) if m else "", ln))
            else:
                paras[-1].text += "\n" + ln
        units.append(Unit(kind="article", number=number, label=f"Article {number}",
                          title=title, heading_path=heads.path, paragraphs=paras))
    for i, ar in enumerate(root.iter("Ar"), 1):
        unit = _addendum(ar.findtext("arCts") or "", ar.findtext("arAncNo") or str(i))
        if unit:
            units.append(unit)
    return ParsedDocument(meta=meta, units=units)
