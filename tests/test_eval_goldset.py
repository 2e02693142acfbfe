"""Validates the gold question set tests/eval/gold.jsonl that the engine is judged by.

Checks shape (fields, types, unique ids), that every regex compiles, that every gold
document exists in the shared corpus and every law_id in corpus/sources.toml, the
coverage minima promised to other teams, and - the important part - that each fact is
reachable: it matches the verbatim text of the gold source files, so a quoting answer
can satisfy it. Facts listed in ``statement_facts`` describe what the ANSWER says
(absence, abstention, correcting a premise) and are exempt from that check.
"""
from __future__ import annotations

import html
import json
import re
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from rag.core.settings import Settings

GOLD = Path(__file__).parent / "eval" / "gold.jsonl"
TYPES = {"single", "multi", "absence", "false_premise", "comparison", "out_of_corpus", "followup", "japanese", "typo"}
REQUIRED = {"id", "type", "question", "history", "laws", "gold", "facts", "must_not", "abstain", "notes"}
GOLD_KEYS = {"doc", "article", "paragraph", "unit"}
UNITS = {"article", "recital", "annex", "section", "supplementary", "paragraph", "page"}
TYPE_MINIMA = {"single": 25, "multi": 8, "absence": 6, "false_premise": 5, "comparison": 5,
               "out_of_corpus": 8, "followup": 8, "japanese": 10, "typo": 5}
LAW_MINIMA = {"jp-ai-promotion-act": 15, "eu-ai-act": 15}
TOTAL_MINIMUM = 85
# Law ids that exist only to hold non-law material; they need no questions of their own.
NO_QUESTIONS_NEEDED = {"news-japan-grok"}


def _rows() -> list[dict]:
    rows = []
    for n, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:  # name the line: a bare decode error is useless in a 100-line file
                raise AssertionError(f"{GOLD.name}:{n}: not JSON: {e}") from e
    return rows


ROWS = _rows()
IDS = [r.get("id", f"line{i}") for i, r in enumerate(ROWS, 1)]


@pytest.fixture(scope="module")
def corpus(corpus_dir) -> Path:
    return corpus_dir


@pytest.fixture(scope="module")
def law_ids() -> set[str]:
    data = tomllib.loads(Settings.from_env().sources_file.read_text(encoding="utf-8"))
    return {s["law_id"] for s in data["source"]}


def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


@cache
def _file_text(path: Path) -> str:
    """Crude verbatim text of one source file: tags stripped, whitespace collapsed."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader  # imported here: only the Colorado PDFs need it

        text = "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    elif suffix == ".jsonl":
        text = "\n".join(s for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
                         for s in _strings(json.loads(line)))
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        if suffix in {".xml", ".xhtml", ".html", ".htm"}:
            # The Korean MOLEG XML keeps the statute text inside CDATA: unwrap before stripping tags.
            text = text.replace("<![CDATA[", "").replace("]]>", "")
            text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text)


def _gold_files(corpus: Path, row: dict) -> list[Path]:
    files: list[Path] = []
    for g in row["gold"]:
        p = corpus / g["doc"]
        files.extend(sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p])
    return files


def test_file_has_rows_and_unique_ids():
    assert len(ROWS) >= TOTAL_MINIMUM, f"only {len(ROWS)} questions, need {TOTAL_MINIMUM}"
    dupes = [i for i, c in Counter(IDS).items() if c > 1]
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_row_shape(row):
    missing = REQUIRED - row.keys()
    assert not missing, f"missing fields {missing}"
    assert row["type"] in TYPES, row["type"]
    assert isinstance(row["question"], str) and row["question"].strip()
    assert isinstance(row["abstain"], bool)
    assert row["facts"] and all(isinstance(f, list) and f and all(isinstance(a, str) for a in f) for f in row["facts"])
    assert all(isinstance(p, str) for p in row["must_not"])
    for g in row["gold"]:
        assert set(g) == GOLD_KEYS, f"gold entry keys {set(g)}"
        assert isinstance(g["doc"], str) and isinstance(g["article"], str) and g["article"], g
        assert g["paragraph"] is None or isinstance(g["paragraph"], str), g
        assert g["unit"] in UNITS, g
    for i in row.get("statement_facts", []):
        assert isinstance(i, int) and 0 <= i < len(row["facts"]), f"statement_facts index {i}"
    if row["type"] == "followup":
        roles = [t["role"] for t in row["history"]]
        assert roles and roles[0] == "user" and set(roles) <= {"user", "assistant"}
        assert all(isinstance(t["content"], str) and t["content"] for t in row["history"])
    else:
        assert row["history"] == []
    if row["type"] == "out_of_corpus":
        assert row["abstain"] is True and row["gold"] == [] and row["laws"] == []
    else:
        assert row["abstain"] is False and row["gold"] and row["laws"]


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_regexes_compile(row):
    for pattern in [a for f in row["facts"] for a in f] + row["must_not"]:
        try:
            re.compile(pattern, re.I)
        except re.error as e:
            pytest.fail(f"bad regex {pattern!r}: {e}")


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_gold_docs_and_laws_exist(row, corpus, law_ids):
    for g in row["gold"]:
        assert (corpus / g["doc"]).exists(), f"gold doc not in corpus: {g['doc']}"
    unknown = set(row["laws"]) - law_ids
    assert not unknown, f"law_ids not in sources.toml: {unknown}"


def test_coverage_minima(law_ids):
    types = Counter(r["type"] for r in ROWS)
    short = {t: (types[t], n) for t, n in TYPE_MINIMA.items() if types[t] < n}
    assert not short, f"type counts below minimum (have, need): {short}"
    laws = Counter(law for r in ROWS for law in r["laws"])
    short_laws = {law: (laws[law], n) for law, n in LAW_MINIMA.items() if laws[law] < n}
    assert not short_laws, f"law counts below minimum (have, need): {short_laws}"
    uncovered = law_ids - set(laws) - NO_QUESTIONS_NEEDED
    assert not uncovered, f"laws in sources.toml without questions: {sorted(uncovered)}"


FACT_ROWS = [r for r in ROWS if r["type"] != "out_of_corpus"]


@pytest.mark.parametrize("row", FACT_ROWS, ids=[r["id"] for r in FACT_ROWS])
def test_facts_reachable_in_gold_text(row, corpus):
    """Every non-statement fact matches the verbatim text of at least one gold source file."""
    texts = [_file_text(f) for f in _gold_files(corpus, row)]
    assert texts, "no gold files"
    exempt = set(row.get("statement_facts", []))
    for i, fact in enumerate(row["facts"]):
        if i in exempt:
            continue
        assert any(re.search(a, t, re.I) for a in fact for t in texts), f"fact {i} {fact} not in gold text"


STATEMENT_ROWS = [r for r in ROWS if r.get("statement_facts") and r["type"] in {"absence", "japanese"}]


@pytest.mark.parametrize("row", STATEMENT_ROWS, ids=[r["id"] for r in STATEMENT_ROWS])
def test_absence_statements_are_not_in_source(row, corpus):
    """An absence statement ('no penalties') must not be satisfiable by merely quoting the law;
    otherwise it cannot tell an honest 'the law has none' from any quote."""
    texts = [_file_text(f) for f in _gold_files(corpus, row)]
    for i in row["statement_facts"]:
        hits = [a for a in row["facts"][i] if any(re.search(a, t, re.I) for t in texts)]
        assert not hits, f"statement fact {i} already matches the source text: {hits}"


@cache
def _metas() -> dict[str, list]:
    from ingest.sources import load_source_list

    out: dict[str, list] = {}
    for m in load_source_list(Settings.from_env()):
        out.setdefault(m.source_file, []).append(m)
    return out


@cache
def _parsed_units(corpus: Path, rel: str) -> dict[str, list[str]] | None:
    """unit number -> texts, as the real loaders parse ``rel``; None when no loader handles it yet."""
    from ingest.errors import IngestError
    from ingest.loaders.registry import load_document, pick_loader

    units: dict[str, list[str]] | None = None
    for meta in _metas().get(rel, []):
        try:
            pick_loader(corpus / rel, meta)
        except IngestError:
            continue  # no loader for this format yet
        units = units or {}
        for u in load_document(corpus / rel, meta).units:
            units.setdefault(u.number, []).append(re.sub(r"\s+", " ", f"{u.title} {u.text}"))
    return units


def _rels(corpus: Path, g: dict) -> list[str]:
    return [f.relative_to(corpus).as_posix() for f in _gold_files(corpus, {"gold": [g]})]


def test_gold_articles_exist_in_parsed_documents(corpus):
    """Gold article numbers are the ones the loaders produce ("26-2", "22757.1", "suppl-1").

    Checked for every gold file that a loader already recognises; at least the Japanese,
    Korean, Canadian, UK and JSONL sources must be checkable today.
    """
    checked, problems = 0, []
    for row in ROWS:
        for g in row["gold"]:
            known = [u for u in (_parsed_units(corpus, r) for r in _rels(corpus, g)) if u is not None]
            if not known:
                continue
            checked += 1
            if not any(g["article"] in u for u in known):
                problems.append(f"{row['id']}: {g['unit']} {g['article']} not in parsed {g['doc']}")
    assert not problems, "\n".join(problems)
    assert checked >= 60, f"only {checked} gold entries could be checked against parsed documents"


@pytest.mark.parametrize("row", FACT_ROWS, ids=[r["id"] for r in FACT_ROWS])
def test_facts_reachable_in_gold_provisions(row, corpus):
    """Stricter than the whole-file check: where a loader parses the gold file, each fact must
    occur in the gold PROVISIONS themselves (other gold files still count as whole text)."""
    texts: list[str] = []
    for g in row["gold"]:
        for rel in _rels(corpus, g):
            units = _parsed_units(corpus, rel)
            texts += units.get(g["article"], []) if units is not None else [_file_text(corpus / rel)]
    exempt = set(row.get("statement_facts", []))
    for i, fact in enumerate(row["facts"]):
        if i not in exempt:
            assert any(re.search(a, t, re.I) for a in fact for t in texts), f"fact {i} {fact} not in gold provisions"


def test_must_not_spares_verbatim_gold_provisions(corpus):
    """Quoting the gold provisions verbatim must never trip a must_not pattern
    (checked on the provisions that a loader already parses)."""
    checked, problems = 0, []
    for row in ROWS:
        for g in row["gold"]:
            for rel in _rels(corpus, g):
                units = _parsed_units(corpus, rel)
                for text in (units or {}).get(g["article"], []):
                    checked += 1
                    problems += [f"{row['id']}: {p!r} matches {rel} {g['article']}"
                                 for p in row["must_not"] if re.search(p, text, re.I)]
    assert not problems, "\n".join(problems)
    assert checked >= 60, f"only {checked} gold provisions could be checked"
