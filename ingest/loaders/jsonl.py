"""Loader for JSON Lines files with one provision per line (the corpus's
per-article extracts: PIPL with Chinese text and an English reference
translation, the consolidated EU AI Act articles and annexes).

Keys used: ``unit`` (article/annex/recital), ``number``, ``label``,
``label_original``, ``title``, ``title_original``, ``chapter``, ``language``,
``text`` and ``text_en``. The text field is chosen by ``meta.language``: the
original ``text`` when its language matches (or no language is set), ``text_en``
when English is asked for and the original is not English.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ingest.errors import IngestError
from ingest.loaders.common import clean, read_text
from ingest.loaders.markdown import split_blocks
from ingest.model import DocMeta, ParsedDocument, Unit

NAME = "jsonl"

_KINDS = {"article", "recital", "annex", "section", "supplementary", "paragraph"}
# "Article 1", "第一条", "제1조": a title that only repeats the label is not a caption.
_LABEL_LIKE = re.compile(r"^(?:Article\s+\S+|Annex\s+\S+|第\S+条(?:之\S+)?|제\d+조(?:의\d+)?)$", re.I)


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in (".jsonl", ".json"):
        return False
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    return first.startswith(b"{") and b'"text"' in first


def _lang(value: str | None) -> str:
    return (value or "").split("-")[0].lower()


def _unit(row: dict, language: str) -> Unit | None:
    row_lang = _lang(row.get("language"))
    use_en = language == "en" and row_lang not in ("", "en") and row.get("text_en")
    text = row.get("text_en") if use_en else row.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    kind = str(row.get("unit") or "article").lower()
    kind = kind if kind in _KINDS else "section"
    number = str(row.get("number") or "").strip()
    label = str(row.get("label") or "") if use_en else str(row.get("label_original") or "")
    titles = [row.get("title"), row.get("title_original")] if use_en or row_lang == "en" else \
        [row.get("title_original"), row.get("title")]
    titles = [clean(str(t)) for t in titles if t]
    if not label:  # the original-language label is often only given as title_original ("第一条")
        label = next((t for t in titles if _LABEL_LIKE.match(t)), "") or str(row.get("label") or number)
    title = next((t for t in titles if not _LABEL_LIKE.match(t)), "")
    chapter = clean(str(row.get("chapter") or ""))
    return Unit(kind=kind, number=number, label=clean(label), title=title,
                heading_path=[chapter] if chapter else [], paragraphs=split_blocks(text))


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    text = read_text(path)
    units: list[Unit] = []
    warnings: list[str] = []
    bad: list[str] = []
    language = _lang(meta.language)
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            bad.append(f"line {n}: {e.msg}")
            continue
        if not isinstance(row, dict):
            bad.append(f"line {n}: not a JSON object")
            continue
        unit = _unit(row, language)
        if unit is None:
            bad.append(f"line {n}: no text")
        else:
            units.append(unit)
    if bad and not units:
        raise IngestError(path, f"no usable JSON lines ({bad[0]})")
    if bad:
        warnings.append(f"{len(bad)} line(s) skipped: " + "; ".join(bad[:3]))
    return ParsedDocument(meta=meta, units=units, warnings=warnings)
