"""The app's own small SQLite tables (feedback, conversations): one file each, a connection per call, so
Streamlit's session threads never share one; the table is created on first use."""
from __future__ import annotations

import sqlite3
from pathlib import Path


class SqliteStore:
    schema = ""  # CREATE TABLE IF NOT EXISTS ... of the subclass

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        con.execute(self.schema)
        return con
