"""Conversations that last: each user's chats kept in SQLite, listed in the sidebar, reopened from a
link inside the deployment (``?c=<id>``).

One table in ``Settings.conversations_path``; every call opens its own connection (Streamlit runs each
session in its own thread). The owner is the signed-in user's e-mail under OIDC, else one shared owner for
the deployment (password or no login: everyone there is the same team).
"""
from __future__ import annotations

import json
import secrets
import time

from ui.store import SqliteStore

_SCHEMA = """CREATE TABLE IF NOT EXISTS conversation (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    messages_json TEXT NOT NULL
)"""
TITLE_CHARS = 80


def new_id() -> str:
    """Unguessable: a link shares a conversation only with whoever is given it."""
    return secrets.token_urlsafe(12)


class ConversationStore(SqliteStore):
    schema = _SCHEMA

    def save(self, conv_id: str, owner: str, messages: list[dict]) -> None:
        """Create or update; the title is the first question."""
        first = next((m.get("content", "") for m in messages if m.get("role") == "user"), "") or "(empty)"
        title = first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
        with self._connect() as con:
            con.execute("INSERT INTO conversation (id, owner, title, updated_at, messages_json) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT(id) DO UPDATE SET title=excluded.title, updated_at=excluded.updated_at, "
                        "messages_json=excluded.messages_json WHERE conversation.owner = excluded.owner",
                        (conv_id, owner, title, time.strftime("%Y-%m-%dT%H:%M:%S"),
                         json.dumps(messages, ensure_ascii=False, default=str)))

    def list(self, owner: str, limit: int = 30) -> list[dict]:
        """The owner's conversations, newest first: id, title, updated_at."""
        if not self.path.exists():
            return []
        with self._connect() as con:
            rows = con.execute("SELECT id, title, updated_at FROM conversation WHERE owner = ? "
                               "ORDER BY updated_at DESC LIMIT ?", (owner, limit)).fetchall()
        return [{"id": r[0], "title": r[1], "updated_at": r[2]} for r in rows]

    def load(self, conv_id: str) -> tuple[str, list[dict]] | None:
        """(owner, messages) of a conversation, for its owner or anyone given its link; None if unknown."""
        if not self.path.exists():
            return None
        with self._connect() as con:
            row = con.execute("SELECT owner, messages_json FROM conversation WHERE id = ?", (conv_id,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None
