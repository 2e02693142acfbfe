"""`regqa eval`: score the engine (and optionally the tutorial baseline) on the gold question set."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.main import EXIT_OK, EXIT_PARTIAL, EXIT_UNAVAILABLE, EXIT_USAGE

_ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = _ROOT / "tests" / "eval"
# dev: the set the engine is developed on; held-out: written before the engine changes and never tuned to
DEFAULT_SETS = {"dev": EVAL_DIR / "gold.jsonl", "heldout": EVAL_DIR / "heldout.jsonl"}
DEFAULT_FLOORS = EVAL_DIR / "floors.json"

EVAL_HELP = """\
Ask every question of the dev set (tests/eval/gold.jsonl) and of the held-out set
(tests/eval/heldout.jsonl) against the current index (REGQA_DATA_DIR) and answerer, and score
each set: recall@5 and MRR of the gold provision among the retrieved chunks, whether citation [1]
is a gold provision, citation precision and recall, fact recall (regexes a right answer matches),
wrong rate (regexes that mark a wrong answer), overclaim rate (the lead says the quotes answer
but [1] is not a gold provision), underclaim rate ([1] is a gold provision but the lead calls the
quotes only "the closest"), abstention accuracy, p50/p95 latency.
Prints dev and held-out side by side (overall, by question type, by law), then each failed
question with its reasons. Questions with `user_docs` have those files ingested as the user's
own uploads into a temporary copy of the index first; the index itself is not changed.
--baseline also runs the plain tutorial LangChain RAG (1000-char chunks, dense top 4; built once
under <data_dir>/baseline) and shows both side by side.
Exit code: 0 done; 1 a floor of --floors missed (with --check-floors) or every question errored;
2 bad arguments or gold file; 3 the index is empty or a backend is down.
"""


def register(sub) -> None:
    p = sub.add_parser("eval", help="score the engine on the dev and held-out question sets", description=EVAL_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", type=Path, action="append", metavar="FILE",
                   help="question file (JSONL), repeatable; default: the dev and the held-out set")
    p.add_argument("--llm", default=None, metavar="NAME", help="answerer: offline (default: REGQA_LLM), openai, ollama")
    p.add_argument("--baseline", action="store_true", help="also run the tutorial baseline RAG for comparison")
    p.add_argument("--json", type=Path, metavar="OUT", help="write all results and summaries as JSON")
    p.add_argument("--html", type=Path, metavar="OUT", help="write an HTML report with plots")
    p.add_argument("--type", action="append", metavar="T", help="only questions of this type (repeatable)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions of each set")
    p.add_argument("--check-floors", action="store_true", help="exit 1 when a floor in --floors is not met")
    p.add_argument("--floors", type=Path, default=DEFAULT_FLOORS, metavar="FILE",
                   help="floors per set name (JSON: {\"heldout\": {metric: value}, \"dev\": {...}})")
    p.add_argument("--fit", action="store_true",
                   help="fit rag/data/weights.toml on the dev set first (prints the ablation), then score every set")
    p.add_argument("--as-of", metavar="DATE", default="",
                   help="ask questions without an as_of of their own as of DATE (default: the date in the set's "
                        "folder's as_of.json, the day the set was written; else today)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log on stderr what fitting decides (each weight kept or moved, and why) and how each "
                        "answer was reached (as `regqa ask -v`: a lot for a whole set)")
    p.set_defaults(func=run_eval)


def _fit(assistant, questions, settings) -> None:
    from rich.console import Console
    from rich.table import Table

    from rag.evaluation.fit import fit, fit_quotes

    console = Console(width=200)

    def table(title: str, columns: tuple[str, ...], rows) -> None:
        t = Table(title=title)
        for col in columns:
            t.add_column(col)
        for r in rows:
            t.add_row(r[0], *(f"{v:.3f}" for v in r[1:]))
        console.print(t)

    quoting, qrows = fit_quotes(questions, assistant)
    table("fitting the \\[quotes] weights on dev (answerable questions, first choice of quotes)",
          ("weights", "facts quoted", "first quote states a fact", "first quote is gold"),
          [(r.name, r.facts_quoted, r.first_states_fact, r.first_gold) for r in qrows])
    assistant._weights = assistant.retriever.weights = quoting  # the re-ranking and the lead are fitted on top
    weights, rows = fit(questions, assistant)
    table("fitting on dev (answerable questions): ablation", ("configuration", "recall@5", "[1] gold", "overclaim"),
          [(r.name, r.recall_at_5, r.cite1_gold, r.overclaim_rate) for r in rows])
    import datetime

    n = len([q for q in questions if q.gold and not q.abstain])
    settings.weights_file.write_text(weights.to_toml(f"{datetime.date.today()} on {n} answerable dev questions"),
                                     encoding="utf-8")
    print(f"wrote {settings.weights_file}", file=sys.stderr)


def _progress(name: str, n: int, enabled: bool):
    if not enabled:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=n, desc=name, unit="q", file=sys.stderr)
    return bar, (lambda i, total, r: bar.update(1))


def set_name(path: Path) -> str:
    """"dev" / "heldout" for the default files, else the file's stem."""
    for name, p in DEFAULT_SETS.items():
        if path.resolve() == p.resolve():
            return name
    return path.stem


def with_user_docs(settings, questions, progress: bool):
    """A settings whose index is a temporary copy of ``settings``' with every question's ``user_docs``
    ingested as the user's own uploads (so evaluation never writes into the real index); the same
    settings when no question has any. Returns (settings, cleanup)."""
    files = {}
    for q in questions:
        for d in q.user_docs:
            files[(_ROOT / d["file"]).resolve()] = d  # relative to the checkout ("tests/eval/userdocs/x.md")
    if not files:
        return settings, lambda: None
    import shutil
    import tempfile

    from ingest.indexer import Indexer
    from ingest.sources import user_meta

    tmp = Path(tempfile.mkdtemp(prefix="regqa-eval-"))
    if settings.chroma_url:
        raise SystemExit("error: questions with user_docs need the embedded index (unset REGQA_CHROMA_URL)")
    shutil.copytree(settings.chroma_dir, tmp / "chroma")
    local = settings.with_(data_dir=tmp)
    items = []
    for path, d in files.items():
        # source_file relative to tests/eval ("userdocs/policy.md"), as the gold entries name it
        root = EVAL_DIR if path.is_relative_to(EVAL_DIR) else path.parent
        items.append((path, user_meta(path, root, d.get("jurisdiction", ""))))
    report = Indexer(local, progress=progress).ingest(items)
    for r in report.errors:
        print(f"error: {r.error}", file=sys.stderr)
    return local, lambda: shutil.rmtree(tmp, ignore_errors=True)


def _run_sets(assistant, sets: dict, settings, args) -> dict[str, dict[str, list]]:
    """set name -> engine ("regqa", "baseline") -> results, in the order of the sets."""
    from rag.evaluation import run

    def answer(question, history, as_of=None):
        return assistant.answer(question, history, llm=args.llm, as_of=as_of)

    runs: dict[str, dict[str, list]] = {}
    for name, questions in sets.items():
        if not questions:
            continue
        bar, cb = _progress(f"regqa eval {name}", len(questions), not args.no_progress)
        runs[name] = {"regqa": run(questions, answer, progress=cb)}
        if bar:
            bar.close()
    if args.baseline:
        from bench.baseline import BaselineRAG, baseline_hit_matches

        base = BaselineRAG(settings, progress=not args.no_progress)
        base.build()
        for name, questions in sets.items():
            bar, cb = _progress(f"baseline {name}", len(questions), not args.no_progress)
            runs[name]["baseline"] = run(questions, base.answer, hit_match=baseline_hit_matches, progress=cb)
            if bar:
                bar.close()
    return runs


def run_eval(args) -> int:
    from rag.core.settings import Settings
    from rag.evaluation import summarize
    from rag.index.store import ChunkStore

    paths = args.set or [p for p in DEFAULT_SETS.values() if p.is_file()]
    sets = _load_sets(paths, args)
    if isinstance(sets, int):
        return sets
    settings = Settings.from_env()
    if ChunkStore(settings).count() == 0:
        print(f"error: the index in {settings.data_dir} is empty: run `regqa ingest` first", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if args.fit and "dev" not in sets:
        print("error: --fit needs the dev set (tests/eval/gold.jsonl) among --set", file=sys.stderr)
        return EXIT_USAGE
    runs = _answer_sets(sets, settings, args)
    summaries = {name: {eng: summarize(rs) for eng, rs in by_engine.items()} for name, by_engine in runs.items()}
    _print(runs, summaries)
    missed = _write_reports(runs, summaries, dict(zip(sets, paths, strict=False)), settings, args)
    if isinstance(missed, int):
        return missed
    every = [r for by_engine in runs.values() for r in by_engine["regqa"]]
    if every and all(r.error for r in every):
        print(f"error: every question failed, first: {every[0].error}", file=sys.stderr)
        return EXIT_PARTIAL
    if args.check_floors:
        for m in missed:
            print(f"floor missed: {m}", file=sys.stderr)
        if missed:
            return EXIT_PARTIAL
        print("all floors met", file=sys.stderr)
    return EXIT_OK


def _load_sets(paths: list[Path], args) -> dict[str, list] | int:
    """set name -> its questions (``--type`` and ``--limit`` applied), or the exit code of a usage error."""
    from rag.assistant import parse_as_of
    from rag.evaluation import GoldSetError, load_goldset, written_as_of

    sets: dict[str, list] = {}
    try:
        for path in paths:
            # asked as of the day the set was written (its folder's as_of.json), unless --as-of says otherwise
            as_of = parse_as_of(args.as_of) if args.as_of else written_as_of(path)
            sets[set_name(path)] = load_goldset(path, types=args.type, limit=args.limit, as_of=as_of)
    except (GoldSetError, ValueError) as e:  # a malformed set, or --as-of not a date
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if not any(sets.values()):
        print(f"error: {', '.join(map(str, paths))}: no questions (check --type)", file=sys.stderr)
        return EXIT_USAGE
    return sets


def _answer_sets(sets: dict[str, list], base, args) -> dict[str, dict[str, list]]:
    """set name -> engine -> results: each set answered by an assistant over the index and its own uploads."""
    from rag import Assistant

    runs: dict[str, dict[str, list]] = {}
    for name, questions in sets.items():
        # Each set gets its own copy of the index with only its own questions' uploads: a dev answer must
        # never see (or list as indexed) a document that only a held-out question uploads.
        settings, cleanup = with_user_docs(base, questions, not args.no_progress)
        try:
            assistant = Assistant.from_settings(settings)
            if args.fit and name == "dev":
                _fit(assistant, questions, settings)
            runs.update(_run_sets(assistant, {name: questions}, settings, args))
        finally:
            cleanup()
    return runs


def _write_reports(runs: dict, summaries: dict, gold_sets: dict[str, Path], settings, args) -> list[str] | int:
    """The JSON and HTML reports asked for; returns the floors missed, or the exit code of unreadable floors."""
    floors = {}
    if args.check_floors or args.json:
        try:
            floors = json.loads(args.floors.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            print(f"error: {args.floors}: cannot read floors ({e})", file=sys.stderr)
            return EXIT_USAGE
    from rag.evaluation.report import check_floors, to_json, write_html

    missed = [f"{name}: {m}" for name in runs
              for m in (check_floors(summaries[name]["regqa"]["overall"], floors[name]) if name in floors else [])]
    if args.json:
        to_json({f"{eng}:{name}" if eng != "regqa" else name: rs for name, by_engine in runs.items()
                 for eng, rs in by_engine.items()}, args.json, gold_sets={n: str(p) for n, p in gold_sets.items()},
                llm=args.llm or settings.llm, floors=floors, floors_missed=missed)
        print(f"wrote {args.json}", file=sys.stderr)
    if args.html:
        write_html({f"{eng} {name}": rs for name, by_engine in runs.items() for eng, rs in by_engine.items()},
                   args.html)
        print(f"wrote {args.html}", file=sys.stderr)
    return missed


def _print(runs: dict, summaries: dict) -> None:
    """Tables with one row per (group, set[, engine]): dev and held-out side by side."""
    from rich.console import Console
    from rich.table import Table

    from rag.evaluation.report import LABELS, METRICS, failures, fmt

    console = Console()
    if not console.is_terminal:  # piped to a file: 80 columns would squash the tables
        console = Console(width=220)

    def table(title: str, rows: list[tuple[str, dict]]) -> Table:
        t = Table(title=title)
        t.add_column("")
        t.add_column("n", justify="right")
        for m in METRICS:
            t.add_column(LABELS[m], justify="right")
        for name, row in rows:
            t.add_row(name, str(row["n"]), *(fmt(m, row[m]) for m in METRICS))
        return t

    def label(group: str, name: str, eng: str) -> str:
        parts = [p for p in (group, name) if p]
        return " · ".join(parts) + ("" if eng == "regqa" else f" ({eng})")

    console.print(table("overall", [(label("", name, eng), s["overall"])
                                    for name, by_engine in summaries.items() for eng, s in by_engine.items()]))
    for key, title in (("by_type", "by question type"), ("by_law", "by law")):
        groups = sorted({g for by_engine in summaries.values() for g in by_engine["regqa"][key]})
        rows = [(label(g, name, eng), s[key][g]) for g in groups for name, by_engine in summaries.items()
                for eng, s in by_engine.items() if g in s[key]]
        console.print(table(title, rows))
    for name, by_engine in runs.items():
        fails = failures(by_engine["regqa"])
        console.print(f"[bold]{name}: {len(fails)} of {len(by_engine['regqa'])} questions failed[/bold]")
        for f in fails:
            console.print(f"  {f['id']} ({f['type']}): {'; '.join(f['reasons'])}", markup=False, highlight=False)
