"""`regqa ingest`, `regqa sources` and `regqa remove`: build and inspect the index."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.main import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

INGEST_HELP = """\
Parse documents at their own structure (article, paragraph, annex, recital,
code section), embed the chunks and store them in Chroma.

With no PATH, ingests the default corpus listed in corpus/sources.toml from
REGQA_CORPUS_DIR (default ../shared/corpus) and says which listed files are missing.
With PATHs (files or folders), ingests those: PDF, HTML, XML, TXT, MD, DOCX, JSONL.
Unchanged files are skipped; a changed file replaces its old chunks.
Then the multilingual side index is brought up to date (multilingual-e5, only for
laws with no English text and for the article openings of English-only laws, so
questions in the other language reach them; REGQA_CROSSLINGUAL_EMBEDDER=none skips it).
Exit code: 0 all ingested, 1 some documents failed (the rest are indexed),
3 the index cannot be written or the Chroma server is down.
"""


SOURCES_HELP = """\
List every indexed document with its units and chunk count.

--check also recomputes every chunk's hash and compares it with the one recorded
in the registry at ingest. Chunks that do not match (altered, or written by
anything but `regqa ingest`, e.g. a client of an open Chroma server) are never
retrieved; they are listed with their document, id and reason, and so are chunks
the registry records but the collection lacks. Documents indexed before chunk
hashes are reported as unchecked until the next `regqa ingest` records them
(nothing is re-embedded). `regqa ingest` deletes chunks the registry does not
list; `regqa ingest --force` writes back the genuine text of altered ones.
Exit code: 0 nothing found, 1 some chunks are ignored, 3 the index is unavailable.
"""


def register(sub) -> None:
    p = sub.add_parser("ingest", help="ingest the default corpus or given files/folders",
                       description=INGEST_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: the corpus list)")
    p.add_argument("--jurisdiction", default="", help="jurisdiction code for your own documents (e.g. EU, JP, US-CA)")
    p.add_argument("--force", action="store_true", help="re-embed even unchanged files")
    p.add_argument("--adopted", metavar="DATE", help="your documents: adopted/approved on DATE (YYYY-MM-DD)")
    p.add_argument("--in-force", metavar="DATE", help="your documents: in force from DATE; before it they are "
                                                       "quoted as 'takes effect DATE'")
    p.add_argument("--replaces", action="append", default=[], metavar="DOC_ID",
                   help="your documents replace this indexed document from their adoption (repeatable; see "
                        "`regqa sources`); its provisions they word differently are then superseded")
    p.add_argument("--title", metavar="NAME", help="your document (one file): the name it is cited and asked for "
                                                   "by (default: its own first heading, else its file name)")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_ingest)

    s = sub.add_parser("sources", help="list the indexed documents",
                       description=SOURCES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--json", action="store_true", help="one JSON object per document (a JSON list); with "
                                                       "--check an object: documents, problems, unchecked")
    s.add_argument("--check", action="store_true", help="also check every chunk against the hash the registry "
                                                        "recorded at ingest")
    s.set_defaults(func=run_sources)

    r = sub.add_parser("remove", help="remove documents from the index",
                       description="Delete documents (by doc_id, see `regqa sources`) and all their chunks.")
    r.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    r.set_defaults(func=run_remove)


def run_ingest(args) -> int:
    from ingest.indexer import Indexer
    from ingest.sources import collect, default_items
    from rag.assistant import parse_as_of as parse_date
    from rag.core.settings import Settings

    settings = Settings.from_env()
    jurisdiction = args.jurisdiction
    if jurisdiction:
        from rag.understand.catalog import LawCatalog

        try:  # "jp" is JP; a code that is no jurisdiction at all is refused before anything is parsed
            jurisdiction = LawCatalog.load(sources_file=settings.sources_file).jurisdiction_code(jurisdiction)
        except ValueError as e:
            print(f"regqa ingest: {e}", file=sys.stderr)
            return EXIT_USAGE
    items, missing = collect(args.paths, settings, jurisdiction) if args.paths else default_items(settings)
    try:
        dates = {k: parse_date(v) for k, v in (("adopted", args.adopted), ("in_force", args.in_force)) if v}
    except ValueError as e:
        print(f"regqa ingest: {e}", file=sys.stderr)
        return EXIT_USAGE
    own = [meta for _, meta in items if meta.kind == "user"]
    if args.title and len(own) != 1:
        print(f"regqa ingest: --title names one document of your own; {len(own)} given", file=sys.stderr)
        return EXIT_USAGE
    for meta in own:  # version data of the user's own files; the corpus has sources.toml
        for k, v in dates.items():
            setattr(meta, k, v)
        meta.replaces = list(args.replaces) or meta.replaces
        if args.title:
            meta.title = meta.short_name = meta.citation_name = args.title.strip()
            meta.title_given = True
    if not items and not missing:
        print("nothing to ingest: no supported files found", file=sys.stderr)
        return EXIT_USAGE
    report = Indexer(settings, progress=not (args.no_progress or args.json)).ingest(
        items, force=args.force, missing=missing)
    for r in report.results:
        for w in r.warnings:
            print(f"warning: {w}", file=sys.stderr)
    for r in report.errors:
        print(f"error: {r.error}", file=sys.stderr)
    for m in report.missing:
        print(f"missing: {m}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(report)
    return EXIT_OK if report.ok else EXIT_PARTIAL


def _print_summary(report) -> None:
    from rich.console import Console
    from rich.table import Table

    t = report.totals()
    table = Table(title="regqa ingest")
    for col in ("documents", "units", "chunks", "embedded", "multilingual", "unchanged", "seconds", "errors"):
        table.add_column(col, justify="right")
    table.add_row(*(str(t[c]) for c in ("documents", "units", "chunks", "embedded", "multilingual", "unchanged",
                                        "seconds", "errors")))
    Console(stderr=False).print(table)


def run_sources(args) -> int:
    from rag.core.settings import Settings
    from rag.index.store import ChunkStore

    store = ChunkStore(Settings.from_env())
    docs = store.documents()
    keys = ("doc_id", "law_id", "title", "jurisdiction", "language", "source_file", "units", "chunks",
            "kind", "version", "official_url", "ingested_at", "added_by")
    listed = [{k: d.get(k) for k in keys} for d in docs]
    if getattr(args, "check", False):
        return _print_check(store.check(), listed, args.json)
    if args.json:
        print(json.dumps(listed, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not docs:
        print("the index is empty: run `regqa ingest`")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(docs)} documents, {sum(int(d.get('chunks', 0)) for d in docs)} chunks")
    for col in ("doc_id", "jur.", "lang", "units", "chunks", "title"):
        table.add_column(col)
    for d in docs:
        units = ", ".join(f"{v} {k}" for k, v in (d.get("units") or {}).items())
        table.add_row(d["doc_id"], d.get("jurisdiction", ""), d.get("language", ""), units,
                      str(d.get("chunks", "")), str(d.get("title", ""))[:70])
    Console().print(table)
    return EXIT_OK


def _print_check(report, listed: list[dict], as_json: bool) -> int:
    if as_json:
        print(json.dumps({"documents": listed, "checked": report.checked, "problems": report.problems,
                          "unchecked": report.unchecked}, ensure_ascii=False, indent=2))
    else:
        for p in report.problems:
            print(f"{p['doc_id']}  {p['chunk_id']}  {p['reason']}")
        if report.unchecked:
            print(f"unchecked: {len(report.unchecked)} documents were indexed before chunk hashes "
                  f"({', '.join(report.unchecked)}); `regqa ingest` records them without re-embedding")
        print(f"{report.checked} chunks match the registry; "
              + (f"{len(report.problems)} are ignored (listed above)" if report.problems else "none is ignored"))
    return EXIT_OK if report.ok else EXIT_PARTIAL


def run_remove(args) -> int:
    from ingest.indexer import Indexer
    from rag.core.settings import Settings

    indexer = Indexer(Settings.from_env(), progress=False)
    status = EXIT_OK
    for doc_id in args.doc_ids:
        if indexer.remove(doc_id):
            print(f"removed {doc_id}")
        else:
            print(f"error: no document {doc_id!r} in the index (see `regqa sources`)", file=sys.stderr)
            status = EXIT_PARTIAL
    return status
