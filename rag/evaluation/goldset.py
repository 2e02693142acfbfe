"""Loading and validating a gold question file (JSON lines, format in tests/eval/README.md).

``load_goldset(path)`` returns ``GoldQuestion`` objects; a malformed line raises
``GoldSetError`` naming the file, the line and the reason, so a typo in a 140-line
file is found at once instead of as a strange metric.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

TYPES = {"single", "multi", "absence", "false_premise", "comparison", "out_of_corpus", "followup", "japanese", "typo",
         # held-out kinds: stories, other words for a statute concept, news-driven, dates and versions,
         # a question in another language than the only text that answers it, the user's own upload
         "scenario", "paraphrase", "news", "when", "version", "crosslingual", "user_doc"}
REQUIRED = ("id", "type", "question", "history", "laws", "gold", "facts", "must_not", "abstain")


class GoldSetError(ValueError):
    pass


@dataclass
class GoldRef:
    """One provision that answers a question: ``doc`` is a file or folder relative to the corpus root."""

    doc: str
    article: str = ""
    paragraph: str | None = None
    unit: str = "article"


@dataclass
class GoldQuestion:
    id: str
    type: str
    question: str
    history: list[dict] = field(default_factory=list)
    laws: list[str] = field(default_factory=list)
    gold: list[GoldRef] = field(default_factory=list)
    facts: list[list[str]] = field(default_factory=list)  # each fact: alternative regexes (case-insensitive)
    must_not: list[str] = field(default_factory=list)
    abstain: bool = False
    notes: str = ""
    statement_facts: list[int] = field(default_factory=list)
    as_of: str = ""  # "YYYY-MM-DD": asked as of that date (default: today)
    user_docs: list[dict] = field(default_factory=list)  # [{"file": ..., "jurisdiction": ...}] uploaded first

    @property
    def answerable(self) -> bool:
        return not self.abstain


def _check_regex(pattern, where: str) -> str:
    if not isinstance(pattern, str):
        raise GoldSetError(f"{where}: regex must be a string, got {type(pattern).__name__}")
    try:
        re.compile(pattern, re.I)
    except re.error as e:
        raise GoldSetError(f"{where}: bad regex {pattern!r}: {e}") from e
    return pattern


def parse_question(row: dict, where: str = "<row>") -> GoldQuestion:
    """Validate one decoded JSON object and turn it into a ``GoldQuestion``."""
    if not isinstance(row, dict):
        raise GoldSetError(f"{where}: expected a JSON object")
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        raise GoldSetError(f"{where}: missing field(s) {', '.join(missing)}")
    qid = row["id"]
    where = f"{where} ({qid})"
    if row["type"] not in TYPES:
        raise GoldSetError(f"{where}: unknown type {row['type']!r} (one of {', '.join(sorted(TYPES))})")
    if not isinstance(row["question"], str) or not row["question"].strip():
        raise GoldSetError(f"{where}: empty question")
    history = row["history"] or []
    if not isinstance(history, list) or any(
            not isinstance(t, dict) or t.get("role") not in ("user", "assistant") or "content" not in t
            for t in history):
        raise GoldSetError(f"{where}: history must be a list of {{role: user|assistant, content}}")
    gold = []
    for g in row["gold"] or []:
        if not isinstance(g, dict) or not g.get("doc"):
            raise GoldSetError(f"{where}: gold entries need a 'doc'")
        para = g.get("paragraph")
        gold.append(GoldRef(doc=str(g["doc"]).strip("/"), article=str(g.get("article") or ""),
                            paragraph=None if para in (None, "") else str(para), unit=g.get("unit") or "article"))
    facts = row["facts"] or []
    if not isinstance(facts, list) or any(not isinstance(f, list) or not f for f in facts):
        raise GoldSetError(f"{where}: facts must be a list of non-empty lists of regexes")
    facts = [[_check_regex(p, f"{where} fact {i}") for p in f] for i, f in enumerate(facts)]
    must_not = [_check_regex(p, f"{where} must_not") for p in row["must_not"] or []]
    if not isinstance(row["abstain"], bool):
        raise GoldSetError(f"{where}: abstain must be true or false")
    as_of = str(row.get("as_of") or "")
    if as_of and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
        raise GoldSetError(f"{where}: as_of must be YYYY-MM-DD, got {as_of!r}")
    user_docs = row.get("user_docs") or []
    if not isinstance(user_docs, list) or any(not isinstance(d, dict) or not d.get("file") for d in user_docs):
        raise GoldSetError(f"{where}: user_docs must be a list of {{file, jurisdiction}}")
    return GoldQuestion(id=str(qid), type=row["type"], question=row["question"], history=history,
                        laws=list(row["laws"] or []), gold=gold, facts=facts, must_not=must_not,
                        abstain=row["abstain"], notes=row.get("notes", ""),
                        statement_facts=list(row.get("statement_facts") or []), as_of=as_of,
                        user_docs=[dict(d) for d in user_docs])


def written_as_of(path: str | Path) -> str:
    """The date the question sets beside ``path`` were written for (``as_of.json`` in its folder), or ""."""
    f = Path(path).parent / "as_of.json"
    try:
        return str(json.loads(f.read_text(encoding="utf-8")).get("as_of") or "")
    except (OSError, ValueError):
        return ""


def load_goldset(path: str | Path, *, types: list[str] | None = None, limit: int | None = None,
                 as_of: str = "") -> list[GoldQuestion]:
    """Read and validate every line of ``path``; optionally keep only some ``types`` and the first ``limit``.
    ``as_of``: the date a question without its own ``as_of`` is asked as of ("" = the day it runs)."""
    path = Path(path)
    if not path.is_file():
        raise GoldSetError(f"{path}: gold set not found")
    out: list[GoldQuestion] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise GoldSetError(f"{where}: not JSON: {e}") from e
        q = parse_question(row, where)
        if q.id in seen:
            raise GoldSetError(f"{where}: duplicate id {q.id!r}")
        seen.add(q.id)
        out.append(replace(q, as_of=q.as_of or as_of))
    if types:
        out = [q for q in out if q.type in types]
    if limit:
        out = out[:limit]
    return out
