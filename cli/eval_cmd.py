"""`regqa eval`: score the engine (and optionally the tutorial baseline) on the gold question set."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.main import EXIT_OK, EXIT_PARTIAL, EXIT_UNAVAILABLE, EXIT_USAGE

_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = _ROOT / "tests" / "eval" / "gold.jsonl"
DEFAULT_FLOORS = _ROOT / "tests" / "eval" / "floors.json"

EVAL_HELP = """\
Ask every question of the gold set (tests/eval/gold.jsonl) against the current index
(REGQA_DATA_DIR) and answerer, and score: recall@5 and MRR of the gold provision among the
retrieved chunks, citation precision and recall, fact recall (regexes a right answer matches),
wrong rate (regexes that mark a wrong answer), abstention accuracy, p50/p95 latency.
Prints tables by question type and by law, then each failed question with its reasons.
--baseline also runs the plain tutorial LangChain RAG (1000-char chunks, dense top 4; built once
under <data_dir>/baseline) and shows both side by side.
Exit code: 0 done; 1 a floor of --floors missed (with --check-floors) or every question errored;
2 bad arguments or gold file; 3 the index is empty or a backend is down.
"""


def register(sub) -> None:
    p = sub.add_parser("eval", help="score the engine on the gold question set", description=EVAL_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", type=Path, default=DEFAULT_SET, metavar="FILE", help="gold question file (JSONL)")
    p.add_argument("--llm", default=None, metavar="NAME", help="answerer: offline (default: REGQA_LLM), openai, ollama")
    p.add_argument("--baseline", action="store_true", help="also run the tutorial baseline RAG for comparison")
    p.add_argument("--json", type=Path, metavar="OUT", help="write all results and summaries as JSON")
    p.add_argument("--html", type=Path, metavar="OUT", help="write an HTML report with plots")
    p.add_argument("--type", action="append", metavar="T", help="only questions of this type (repeatable)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument("--check-floors", action="store_true", help="exit 1 when a floor in --floors is not met")
    p.add_argument("--floors", type=Path, default=DEFAULT_FLOORS, metavar="FILE", help="floors (JSON)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_eval)


def _progress(name: str, n: int, enabled: bool):
    if not enabled:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=n, desc=name, unit="q", file=sys.stderr)
    return bar, (lambda i, total, r: bar.update(1))


def run_eval(args) -> int:
    from rag.evaluation import GoldSetError, load_goldset, run, summarize
    from rag.settings import Settings
    from rag.store import ChunkStore

    try:
        questions = load_goldset(args.set, types=args.type, limit=args.limit)
    except GoldSetError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if not questions:
        print(f"error: {args.set}: no questions (check --type)", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings.from_env()
    if ChunkStore(settings).count() == 0:
        print(f"error: the index in {settings.data_dir} is empty: run `regqa ingest` first", file=sys.stderr)
        return EXIT_UNAVAILABLE

    from rag import Assistant

    assistant = Assistant.from_settings(settings)
    llm = args.llm

    def answer(question, history):
        return assistant.answer(question, history, llm=llm)

    runs = {}
    bar, cb = _progress("regqa eval", len(questions), not args.no_progress)
    runs["regqa"] = run(questions, answer, progress=cb)
    if bar:
        bar.close()
    if args.baseline:
        from ingest.baseline import BaselineRAG, baseline_hit_matches

        base = BaselineRAG(settings, progress=not args.no_progress)
        base.build()
        bar, cb = _progress("baseline", len(questions), not args.no_progress)
        runs["baseline"] = run(questions, base.answer, hit_match=baseline_hit_matches, progress=cb)
        if bar:
            bar.close()

    summaries = {name: summarize(rs) for name, rs in runs.items()}
    _print(runs, summaries)
    floors = {}
    if args.check_floors or args.json:
        try:
            floors = json.loads(args.floors.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            print(f"error: {args.floors}: cannot read floors ({e})", file=sys.stderr)
            return EXIT_USAGE
    from rag.evaluation.report import check_floors, to_json, write_html

    missed = check_floors(summaries["regqa"]["overall"], floors) if floors else []
    if args.json:
        to_json(runs, args.json, gold_set=str(args.set), llm=llm or settings.llm, floors=floors, floors_missed=missed)
        print(f"wrote {args.json}", file=sys.stderr)
    if args.html:
        write_html(runs, args.html)
        print(f"wrote {args.html}", file=sys.stderr)
    if all(r.error for r in runs["regqa"]):
        print(f"error: every question failed, first: {runs['regqa'][0].error}", file=sys.stderr)
        return EXIT_PARTIAL
    if args.check_floors:
        for m in missed:
            print(f"floor missed: {m}", file=sys.stderr)
        if missed:
            return EXIT_PARTIAL
        print("all floors met", file=sys.stderr)
    return EXIT_OK


def _print(runs: dict, summaries: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from rag.evaluation.report import LABELS, METRICS, failures, fmt

    console = Console()
    if not console.is_terminal:  # piped to a file: 80 columns would squash the 12-column tables
        console = Console(width=200)

    def table(title: str, rows: list[tuple[str, dict]]) -> Table:
        t = Table(title=title)
        t.add_column("")
        t.add_column("n", justify="right")
        for m in METRICS:
            t.add_column(LABELS[m], justify="right")
        for name, row in rows:
            t.add_row(name, str(row["n"]), *(fmt(m, row[m]) for m in METRICS))
        return t

    console.print(table("overall", [(name, s["overall"]) for name, s in summaries.items()]))
    for key, title in (("by_type", "by question type"), ("by_law", "by law")):
        rows = []
        for group in summaries["regqa"][key]:
            for name, s in summaries.items():
                label = group if len(summaries) == 1 else f"{group} ({name})"
                rows.append((label, s[key][group]))
        console.print(table(title, rows))
    for name, rs in runs.items():
        fails = failures(rs)
        console.print(f"[bold]{name}: {len(fails)} of {len(rs)} questions failed[/bold]")
        if name != "regqa":
            continue  # the baseline fails nearly everything by design; its table is the comparison
        for f in fails:
            console.print(f"  {f['id']} ({f['type']}): {'; '.join(f['reasons'])}", markup=False, highlight=False)
