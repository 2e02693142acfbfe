"""Thumbs up/down (and an optional comment) on answers, stored in SQLite.

One small table in ``settings.feedback_path``; every call opens its own
connection so Streamlit's threads never share one.
"""
from __future__ import annotations

import json
import sqlite3
import time

from ui.store import SqliteStore

_SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
)"""


class FeedbackStore(SqliteStore):
    schema = _SCHEMA

    def add(self, question: str, answer: dict, rating: int, comment: str = "") -> int:
        """Store one rating: +1 (thumbs up) or -1 (thumbs down). Returns the row id."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be 1 or -1, got {rating!r}")
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO feedback (created_at, question, answer_json, rating, comment) VALUES (?, ?, ?, ?, ?)",
                (time.strftime("%Y-%m-%dT%H:%M:%S%z"), question, json.dumps(answer, ensure_ascii=False),
                 rating, (comment or "").strip()))
            return int(cur.lastrowid)

    def comment(self, row_id: int, comment: str) -> None:
        """Add the optional comment to a rating already recorded by its click."""
        with self._connect() as con:
            con.execute("UPDATE feedback SET comment = ? WHERE id = ?", ((comment or "").strip(), int(row_id)))

    def list(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            rows = con.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [{**dict(r), "answer": json.loads(r["answer_json"])} for r in rows]
