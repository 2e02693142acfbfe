"""All regqa settings in one place, read from ``REGQA_*`` environment variables.

Nothing here touches disk or network: a ``Settings`` is a plain value, so any
module can build one cheaply (``Settings.from_env()``) and tests can pass
their own.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"REGQA_{name}", default)


def _default_corpus_dir() -> str:
    # The shared corpus sits beside the checkout (../shared/corpus); CI has it too.
    return str((_PROJECT_ROOT.parent / "shared" / "corpus").resolve())


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./data")
    corpus_dir: Path = Path(_default_corpus_dir())
    sources_file: Path = _PROJECT_ROOT / "corpus" / "sources.toml"
    upload_dir: Path | None = None  # default: <data_dir>/uploads
    chroma_url: str = ""  # empty: embedded PersistentClient under data_dir
    collection: str = "regqa"
    embedder: str = "minilm"  # minilm | e5 | st:<sentence-transformers model name or path>
    embed_batch: int = 64
    max_chunk_chars: int = 900  # MiniLM reads 256 tokens; longer text is cut off unseen
    max_file_mb: int = 25  # larger files are refused before parsing: bounded memory, bounded embed time
    top_k: int = 6
    dense_k: int = 30
    bm25_k: int = 30
    llm: str = "offline"  # offline | openai | ollama | fake
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_temperature: float = 0.0
    llm_timeout: float = 120.0
    app_password: str = ""
    app_auth: str = "none"  # none | password | oidc
    upload_max_mb: int = 20
    feedback_db: Path | None = None  # default: <data_dir>/feedback.sqlite3
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        s = cls(
            data_dir=Path(_env("DATA_DIR", "./data")),
            corpus_dir=Path(_env("CORPUS_DIR", _default_corpus_dir())),
            sources_file=Path(_env("SOURCES_FILE", str(_PROJECT_ROOT / "corpus" / "sources.toml"))),
            upload_dir=Path(os.environ["REGQA_UPLOAD_DIR"]) if os.environ.get("REGQA_UPLOAD_DIR") else None,
            chroma_url=_env("CHROMA_URL", ""),
            collection=_env("COLLECTION", "regqa"),
            embedder=_env("EMBEDDER", "minilm"),
            embed_batch=int(_env("EMBED_BATCH", "64")),
            max_chunk_chars=int(_env("MAX_CHUNK_CHARS", "900")),
            max_file_mb=int(_env("MAX_FILE_MB", "25")),
            top_k=int(_env("TOP_K", "6")),
            dense_k=int(_env("DENSE_K", "30")),
            bm25_k=int(_env("BM25_K", "30")),
            llm=_env("LLM", "offline"),
            llm_base_url=_env("LLM_BASE_URL", ""),
            llm_model=_env("LLM_MODEL", ""),
            llm_api_key=_env("LLM_API_KEY", ""),
            llm_temperature=float(_env("LLM_TEMPERATURE", "0")),
            llm_timeout=float(_env("LLM_TIMEOUT", "120")),
            app_password=_env("APP_PASSWORD", ""),
            app_auth=_env("APP_AUTH", "password" if os.environ.get("REGQA_APP_PASSWORD") else "none"),
            upload_max_mb=int(_env("UPLOAD_MAX_MB", "20")),
            feedback_db=Path(os.environ["REGQA_FEEDBACK_DB"]) if os.environ.get("REGQA_FEEDBACK_DB") else None,
        )
        return s.with_(**overrides) if overrides else s

    def with_(self, **changes) -> Settings:
        known = {f.name for f in fields(self)}
        bad = set(changes) - known
        if bad:
            raise TypeError(f"unknown settings: {sorted(bad)}")
        return replace(self, **changes)

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def uploads(self) -> Path:
        return self.upload_dir or self.data_dir / "uploads"

    @property
    def feedback_path(self) -> Path:
        return self.feedback_db or self.data_dir / "feedback.sqlite3"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"
