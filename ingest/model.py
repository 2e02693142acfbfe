"""What a loader returns: a document's metadata and its structural units.

Loaders only parse; splitting units into chunks (``ingest.splitter``) and
indexing (``ingest.indexer``) are separate steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DocMeta:
    doc_id: str  # stable id of this file's document, e.g. "jp-ai-promotion-act-ja"
    law_id: str  # the law across languages/versions, e.g. "jp-ai-promotion-act"
    title: str
    short_name: str = ""
    citation_name: str = ""  # e.g. "Regulation (EU) 2024/1689", "Act No. 53 of 2025"
    jurisdiction: str = ""
    language: str = ""
    version: str = ""
    official_url: str = ""
    source_file: str = ""  # relative to the ingested root
    kind: str = "law"  # law | translation | consolidation | news | web | user
    loader: str = ""  # force a loader by name; "" = detect
    # The version this document is (rag/index/versions.py reads these from the registry record). Dates are
    # ISO "YYYY-MM-DD"; the loaders read them from the source where its format has them (ingest/dates.py),
    # corpus/sources.toml or the uploader gives the rest.
    version_kind: str = ""  # enacted | consolidated | amending | translation ("" = from kind)
    official: bool | None = None  # legally authoritative text (None = laws yes, translations/consolidations no)
    adopted: str = ""  # approved / promulgated / signed (this version)
    published: str = ""  # in the official journal / gazette
    in_force: str = ""  # in force from (the general date; single provisions may differ)
    applies_from: str = ""  # when its obligations apply, where that differs from in_force
    as_of: str = ""  # a consolidation or translation: the date of the law's state it reproduces
    replaces: list = field(default_factory=list)  # doc_ids whose text this version replaces once adopted
    expected: dict = field(default_factory=dict)  # {"article": 28, "recital": 180} for tests
    # A user's own document: who added it and from which file (the resolved path tells two files of the
    # same name apart), and whether its title was given by the user rather than read from the file.
    added_by: str = ""
    source_path: str = ""
    title_given: bool = False


@dataclass
class Paragraph:
    num: str  # "1", "2", "1A", "(a)" or "" when unnumbered
    text: str  # verbatim text of the paragraph (sub-items included, newline separated)


@dataclass
class Unit:
    kind: str  # article | recital | annex | section | supplementary | paragraph | page
    number: str  # "16", "26-2" (第二十六条の二), "99", "22757.1", "6-1-1703", annex "III", recital "27"
    label: str = ""  # as printed: "Article 16", "第十六条", "제31조", "ANNEX III", "(27)", "22757.1."
    title: str = ""  # caption: "Penalties", "（目的）", "(Purpose)"
    heading_path: list[str] = field(default_factory=list)  # ["CHAPTER XII PENALTIES"]
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


@dataclass
class ParsedDocument:
    meta: DocMeta
    units: list[Unit]
    warnings: list[str] = field(default_factory=list)  # e.g. "no structure found: paragraph chunks"
    # The title the file gives itself (a Markdown "# ...", an HTML <title>, a Word title): how an upload
    # is named, since that is the name people ask for it by.
    title: str = ""

    def count(self, kind: str) -> int:
        return sum(1 for u in self.units if u.kind == kind)
