"""Dates, in one place: reading them as sources print them and users type them ("May 14, 2026",
"20260120", "1 Sept 2025") into ISO "YYYY-MM-DD", writing them as the statutes do ("1 January 2027"), the
patterns of written English dates, and today."""
from __future__ import annotations

import re
from datetime import date

MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
MONTH_DAY_YEAR = rf"\b{MONTH}\s+\d{{1,2}},\s+\d{{4}}"  # "January 1, 2027" (US statutes)
DAY_MONTH_YEAR = rf"\b\d{{1,2}}\s+{MONTH}\s+\d{{4}}"  # "2 August 2025" (EU, UK)
# A date written out in an English text, or in ISO form.
WRITTEN_DATE = re.compile(rf"{DAY_MONTH_YEAR}|{MONTH_DAY_YEAR}|\b\d{{4}}-\d{{2}}-\d{{2}}\b", re.I)


def iso(text: str | None, dayfirst: bool = False) -> str:
    """"May 14, 2026" / "20260120" / "2026-01-20" -> "2026-01-20"; "" when it is not a date. ``dayfirst``
    reads "5/6/2026" as 5 June."""
    from dateutil import parser as dateparser

    text = (text or "").strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if not text:
        return ""
    try:
        return dateparser.parse(text, dayfirst=dayfirst).date().isoformat()
    except (ValueError, OverflowError, AttributeError, TypeError):
        return ""


def long_date(iso_date: str) -> str:
    """"2027-01-01" -> "1 January 2027" (as the statutes of the corpus print dates)."""
    try:
        d = date.fromisoformat(iso_date)
    except (TypeError, ValueError):
        return iso_date
    return f"{d.day} {d.strftime('%B')} {d.year}"


def today() -> str:
    return date.today().isoformat()
