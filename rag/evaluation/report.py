"""Aggregates evaluation results into tables (overall, by type, by law), a failure list,
a JSON file and a self-contained HTML report with matplotlib plots embedded as base64 PNGs.

Each aggregate row averages a metric over the questions where it is defined (recall and MRR
over questions with gold provisions, citation precision over answers that cite a provision,
fact recall over questions with facts); wrong rate, abstention accuracy, pass rate and the
latency percentiles are over all questions of the group. A question about several laws counts
in each law's row; out-of-corpus questions are grouped under "(none)".
"""
from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from rag.evaluation import metrics as M
from rag.evaluation.runner import QuestionResult

METRICS = ["recall_at_5", "mrr", "cite1_gold", "citation_precision", "citation_recall", "fact_recall", "wrong_rate",
           "overclaim_rate", "underclaim_rate", "abstention_accuracy", "pass_rate", "p50_latency", "p95_latency"]
LABELS = {"recall_at_5": "recall@5", "mrr": "MRR", "citation_precision": "cit. prec.",
          "citation_recall": "cit. recall", "fact_recall": "fact recall", "wrong_rate": "wrong",
          "abstention_accuracy": "abst. acc.", "pass_rate": "pass", "p50_latency": "p50 s", "p95_latency": "p95 s",
          "cite1_gold": "[1] gold", "overclaim_rate": "overclaim", "underclaim_rate": "underclaim"}


def aggregate(results: list[QuestionResult]) -> dict:
    """One row of metrics over ``results`` (None where a metric has no defined value)."""
    lat = [r.latency for r in results]
    return {
        "n": len(results),
        "recall_at_5": M.mean(r.recall_at_5 for r in results),
        "mrr": M.mean(r.mrr for r in results),
        "cite1_gold": M.mean(None if r.cite1_gold is None else float(r.cite1_gold) for r in results),
        "citation_precision": M.mean(r.citation_precision for r in results),
        "citation_recall": M.mean(r.citation_recall for r in results),
        "fact_recall": M.mean(r.fact_recall for r in results),
        "wrong_rate": (sum(r.wrong for r in results) / len(results)) if results else None,
        "overclaim_rate": (sum(r.overclaim for r in results) / len(results)) if results else None,
        "underclaim_rate": (sum(r.underclaim for r in results) / len(results)) if results else None,
        "abstention_accuracy": M.abstention_accuracy((r.expected_abstain, r.abstained) for r in results
                                                     if not r.error) if results else None,
        "pass_rate": (sum(r.passed for r in results) / len(results)) if results else None,
        "p50_latency": M.p50(lat),
        "p95_latency": M.p95(lat),
    }


def group_by(results: list[QuestionResult], key: str) -> dict[str, list[QuestionResult]]:
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        names = (r.laws or ["(none)"]) if key == "law" else [r.type]
        for name in names:
            groups.setdefault(name, []).append(r)
    return dict(sorted(groups.items()))


def summarize(results: list[QuestionResult]) -> dict:
    return {
        "overall": aggregate(results),
        "by_type": {t: aggregate(rs) for t, rs in group_by(results, "type").items()},
        "by_law": {law: aggregate(rs) for law, rs in group_by(results, "law").items()},
    }


def failures(results: list[QuestionResult]) -> list[dict]:
    return [{"id": r.id, "type": r.type, "question": r.question, "reasons": r.reasons}
            for r in results if not r.passed]


def fmt(metric: str, value) -> str:
    if value is None:
        return "-"
    if metric.endswith("latency"):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def check_floors(overall: dict, floors: dict) -> list[str]:
    """Messages for each floor that is not met. Keys ``<metric>`` are minima, ``wrong_rate`` a maximum."""
    out = []
    for name, floor in floors.items():
        value = overall.get(name)
        if value is None:
            out.append(f"{name}: no value (floor {floor})")
        elif name in ("wrong_rate", "overclaim_rate", "underclaim_rate") or name.endswith("latency"):
            if value > floor:
                out.append(f"{name} = {value:.3f} > {floor}")
        elif value < floor:
            out.append(f"{name} = {value:.3f} < {floor}")
    return out


def to_json(runs: dict[str, list[QuestionResult]], path: str | Path | None = None, **extra) -> dict:
    """``runs``: name ("regqa", "baseline") -> results. Writes to ``path`` when given; returns the dict."""
    doc = {**extra, "runs": {name: {"summary": summarize(rs), "failures": failures(rs),
                                    "results": [r.to_dict() for r in rs]} for name, rs in runs.items()}}
    if path:
        Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return doc


# -- HTML --
def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plot_by_type(runs: dict[str, list[QuestionResult]]) -> str:
    """Grouped bars: recall@5 and fact recall per question type, per run."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; chosen here, not at import, so importing stays cheap
    import matplotlib.pyplot as plt

    types = sorted({r.type for rs in runs.values() for r in rs})
    series = [(f"{name} {LABELS[m]}", [summarize_type(rs, t, m) for t in types])
              for name, rs in runs.items() for m in ("recall_at_5", "fact_recall")]
    fig, ax = plt.subplots(figsize=(max(6, len(types) * 1.1), 3.5))
    width = 0.8 / max(1, len(series))
    for i, (label, vals) in enumerate(series):
        ax.bar([x + i * width for x in range(len(types))], [v or 0 for v in vals], width, label=label)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(types))], types, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    ax.set_title("by question type")
    return _png(fig)


def summarize_type(results: list[QuestionResult], qtype: str, metric: str):
    return aggregate([r for r in results if r.type == qtype])[metric]


def plot_latency(runs: dict[str, list[QuestionResult]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    for name, rs in runs.items():
        ax.hist([r.latency for r in rs], bins=20, alpha=0.6, label=name)
    ax.set_xlabel("seconds per question")
    ax.set_ylabel("questions")
    ax.legend(fontsize=7)
    ax.set_title("latency")
    return _png(fig)


def _table(title: str, rows: dict[str, dict]) -> str:
    head = "".join(f"<th>{html.escape(LABELS[m])}</th>" for m in METRICS)
    body = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{row['n']}</td>"
        + "".join(f"<td>{fmt(m, row[m])}</td>" for m in METRICS) + "</tr>"
        for name, row in rows.items())
    return f"<h2>{html.escape(title)}</h2><table><tr><th></th><th>n</th>{head}</tr>{body}</table>"


def write_html(runs: dict[str, list[QuestionResult]], path: str | Path, title: str = "regqa evaluation") -> str:
    """Write a self-contained HTML report; returns the HTML."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}"
             "li{margin:2px 0}</style></head><body>", f"<h1>{html.escape(title)}</h1>"]
    parts.append(_table("overall", {name: aggregate(rs) for name, rs in runs.items()}))
    parts.append(f"<img alt='metrics by question type' src='data:image/png;base64,{plot_by_type(runs)}'>")
    parts.append(f"<img alt='latency histogram' src='data:image/png;base64,{plot_latency(runs)}'>")
    for name, rs in runs.items():
        s = summarize(rs)
        parts.append(_table(f"{name}: by type", s["by_type"]))
        parts.append(_table(f"{name}: by law", s["by_law"]))
        fails = failures(rs)
        parts.append(f"<h2>{html.escape(name)}: {len(fails)} failures</h2><ul>")
        parts += [f"<li><b>{html.escape(f['id'])}</b> ({html.escape(f['type'])}) {html.escape(f['question'])}"
                  f"<br><small>{html.escape('; '.join(f['reasons']))}</small></li>" for f in fails]
        parts.append("</ul>")
    parts.append("</body></html>")
    out = "".join(parts)
    Path(path).write_text(out, encoding="utf-8")
    return out
