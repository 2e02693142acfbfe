"""A document's version dates read from the source itself, where its format states them.

- e-Gov law XML: the promulgation date in the ``<Law Era Year PromulgateMonth PromulgateDay>`` attributes;
- Japanese Law Translation XML: ``OriginalPromulgateDate="June 4, 2025"``;
- law.go.kr XML: 공포일자 (promulgation of this version) and 시행일자 (in force from);
- MOLEG English XML: ``<ancYd>`` (promulgation of the translated version);
- a consolidation's JSON Lines: ``version_as_of`` of its records;
- EUR-Lex Official Journal XHTML: the adoption date in the act's title ("... OF THE COUNCIL of 13 June
  2024"), the OJ date ("12.7.2024") as published, and in force on the twentieth day after publication when
  the act says so (its own final article);
- session laws and signed acts (PDF/text): "Approved: May 14, 2026" and the act's own effective-date
  section ("this act takes effect January 1, 2027").

Only what the text states plainly is taken; corpus/sources.toml (or the uploader) gives the rest, and a
value read here wins over a listed one that disagrees (the ingest log says so).
"""
from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from pathlib import Path

from rag.core.dates import MONTH_DAY_YEAR, iso

log = logging.getLogger(__name__)

_ERAS = {"Meiji": 1868, "Taisho": 1912, "Showa": 1926, "Heisei": 1989, "Reiwa": 2019}
_APPROVED = re.compile(rf"\bApproved:?\s+({MONTH_DAY_YEAR})")
# "this act takes effect January 1, 2027" in the act's own effective-date section (not "takes effect upon
# passage" or "the day following the expiration of the ninety-day period": those need the session's dates)
_TAKES_EFFECT = re.compile(rf"\bthis act takes effect (?:on )?({MONTH_DAY_YEAR})", re.I)


def _egov(head: str) -> dict:
    m = re.search(r'<Law\b[^>]*\bEra="(\w+)"[^>]*\bYear="(\d+)"[^>]*\bPromulgateMonth="(\d+)"[^>]*'
                  r'\bPromulgateDay="(\d+)"', head)
    if not m or m.group(1) not in _ERAS:
        return {}
    year = _ERAS[m.group(1)] + int(m.group(2)) - 1
    try:
        return {"adopted": date(year, int(m.group(3)), int(m.group(4))).isoformat()}
    except ValueError:
        return {}


def _tag(head: str, name: str) -> str:
    m = re.search(rf"<{name}>\s*(\d{{8}})\s*</{name}>", head)
    return iso(m.group(1)) if m else ""


_EU_TITLE = re.compile(r"(?:REGULATION|DIRECTIVE|DECISION) \(E[UC]\) (?:No )?\d{4}/\d+ OF THE EUROPEAN PARLIAMENT AND "
                       r"OF THE COUNCIL of (\d{1,2} \w+ \d{4})", re.I)
_TWENTIETH_DAY = re.compile(r"enter into force on the twentieth day following that of its publication", re.I)


def _eurlex(path: Path, units_text: list[str]) -> dict:
    with path.open("rb") as f:
        head = f.read(120_000).decode("utf-8", "replace")
    if "eur-lex" not in head.lower() and "Official Journal" not in head:
        return {}
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", head))
    out: dict[str, str] = {}
    m = _EU_TITLE.search(text)
    if m:
        out["adopted"] = iso(m.group(1))
    m = re.search(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", text)
    if m and "consolidated" not in path.name.lower():
        try:
            published = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            published = None
        if published:
            out["published"] = published.isoformat()
            if any(_TWENTIETH_DAY.search(t) for t in units_text):
                out["in_force"] = (published + timedelta(days=20)).isoformat()
    return out


def source_dates(path: Path, units_text: list[str]) -> dict[str, str]:
    """The version fields this file states about itself (see the module docstring)."""
    suffix = path.suffix.lower()
    out: dict[str, str] = {}
    try:
        if suffix in (".xml", ".jsonl"):
            with path.open("rb") as f:
                head = f.read(8192).decode("utf-8", "replace")
            if suffix == ".jsonl":
                m = re.search(r'"version_as_of":\s*"(\d{4}-\d{2}-\d{2})"', head)
                if m:
                    out["as_of"] = m.group(1)
            elif "PromulgateMonth=" in head:
                out.update(_egov(head))
            elif "OriginalPromulgateDate=" in head:
                m = re.search(r'OriginalPromulgateDate="([^"]+)"', head)
                out["adopted"] = iso(m.group(1)) if m else ""
            elif "<공포일자>" in head:
                out["adopted"], out["in_force"] = _tag(head, "공포일자"), _tag(head, "시행일자")
            elif "<ancYd>" in head:
                out["adopted"] = _tag(head, "ancYd")
        elif suffix in (".xhtml", ".html", ".htm"):
            out.update(_eurlex(path, units_text))
        elif suffix in (".pdf", ".txt"):
            tail = "\n".join(units_text[-6:])  # the approval and the effective-date section end the act
            m = _APPROVED.search(tail)
            if m:
                out["adopted"] = iso(m.group(1))
            m = _TAKES_EFFECT.search(tail)
            if m:
                out["in_force"] = iso(m.group(1))
    except OSError as e:
        log.warning("%s: cannot read the version dates (%s)", path, e.strerror)
    return {k: v for k, v in out.items() if v}


def apply_source_dates(meta, found: dict[str, str], path: Path) -> None:
    """Fill ``meta``'s date fields from ``found``; a listed value the source contradicts is replaced."""
    for key, value in found.items():
        listed = getattr(meta, key, "")
        if listed and listed != value:
            log.warning("%s: %s is %s in the source, not %s as listed; using the source", path, key, value, listed)
        setattr(meta, key, value)
