"""All regqa settings in one place, read from ``REGQA_*`` environment variables.

Nothing here touches disk or network: a ``Settings`` is a plain value, so any
module can build one cheaply (``Settings.from_env()``) and tests can pass
their own.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The engine's own data files (lexicon, templates, weights): read-only, shipped with the package.
PACKAGE_DATA = _PROJECT_ROOT / "rag" / "data"
DEFAULT_SOURCES = _PROJECT_ROOT / "corpus" / "sources.toml"


def _convert(type_name, raw: str):
    """A REGQA_* string as the field's type (annotations are strings under ``from __future__``)."""
    kind = str(type_name)
    if "Path" in kind:
        return Path(raw)
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    return raw


def _default_corpus_dir() -> str:
    # The shared corpus sits beside the checkout (../shared/corpus); CI has it too.
    return str((_PROJECT_ROOT.parent / "shared" / "corpus").resolve())


def _user_cache() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "regqa"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./data")
    corpus_dir: Path = Path(_default_corpus_dir())
    sources_file: Path = DEFAULT_SOURCES
    upload_dir: Path | None = None  # default: <data_dir>/uploads
    chroma_url: str = ""  # empty: embedded PersistentClient under data_dir
    # Sent as "Authorization: Bearer <token>" to chroma_url: `chroma run` checks no credentials itself, so the
    # token proxy in front of it does (README "Embedded or server mode"). Left out of repr so it is never printed.
    chroma_token: str = field(default="", repr=False)
    collection: str = "regqa"
    # minilm | minilm-int8 | e5 | st:<sentence-transformers model name or path> (rag/index/embeddings.py)
    embedder: str = "minilm"
    # The multilingual embedder of the side index for laws with no English text (rag/index/crosslingual.py),
    # so English questions reach the Japanese-only Penal Code; "none" turns it off.
    crosslingual_embedder: str = "e5"
    # Chunks per call to the embedder during ingest (one Chroma write each). The ONNX encoder sorts a call's
    # texts by length and runs them 8 at a time, so the more texts per call, the less padding: with 512 (most
    # documents in one call) the corpus pads 2.5% more tokens than it has, with 64 it padded 7.4% (and 14%
    # more attention work); 2,048 corpus texts in calls of 512 took 4% less CPU than in calls of 64.
    embed_batch: int = 512
    # How "minilm" runs: onnx (ONNX Runtime, no torch in the process) or torch (sentence-transformers).
    # Same vectors either way (cosine >= 0.9999), so an index built with one is queried with the other.
    embed_backend: str = "onnx"
    embed_threads: int = 2  # ONNX Runtime intra-op threads
    # 1: ONNX Runtime's idle workers spin-wait for work. Off by default: on a machine shared with other
    # processes a spinning thread holds a core it then loses (bench/ingest_bench.py measures both).
    embed_spin: int = 0
    # ONNX exports of the bundled MiniLM, built once from its weights; default: $XDG_CACHE_HOME/regqa/models
    # (~/.cache/regqa/models). Not under data_dir: every data dir (tests, eval's copies, bench) shares one.
    model_dir: Path | None = None
    # The English-Japanese glossary built from the installed JMdict (rag/understand/bilingual.py); default:
    # $XDG_CACHE_HOME/regqa/glossary. Like the models it derives from a package, not from the index, so every
    # data dir shares one build (about 20 s on 2 cores) instead of repeating it in each.
    glossary_dir: Path | None = None
    max_chunk_chars: int = 900  # MiniLM reads 256 tokens; longer text is cut off unseen
    max_file_mb: int = 25  # larger files are refused before parsing: bounded memory, bounded embed time
    # A document that splits into more chunks is refused: at ~30 chunks/s, 5,000 are 3 minutes of the embedder
    # (the largest law indexed, the EU AI Act, has 867); a 100 KB .docx of short paragraphs made 228,000.
    max_chunks: int = 5000
    max_question_chars: int = 4000  # longer input is refused: understanding and retrieval cost grows with it
    top_k: int = 6
    as_of: str = ""  # answer with the law as in force on this date (YYYY-MM-DD); "" = today
    dense_k: int = 30
    bm25_k: int = 30
    reranker: str = "cross-encoder"  # cross-encoder (bundled ms-marco-MiniLM-L-12-v2 ONNX) | none
    weights_file: Path = PACKAGE_DATA / "weights.toml"  # ranking and lead numbers, fitted by `regqa eval --fit`
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
    conversations_db: Path | None = None  # default: <data_dir>/conversations.sqlite3
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Every field from ``REGQA_<FIELD>`` when set, else its default above (written once, here in the
        class). ``REGQA_APP_PASSWORD`` without ``REGQA_APP_AUTH`` turns the password gate on."""
        kw = {}
        for f in fields(cls):
            raw = os.environ.get(f"REGQA_{f.name.upper()}")
            if f.name == "extra" or raw is None or (raw == "" and "Path" in str(f.type)):
                continue
            kw[f.name] = _convert(f.type, raw)
        if "app_auth" not in kw and kw.get("app_password"):
            kw["app_auth"] = "password"
        s = cls(**kw)
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
    def conversations_path(self) -> Path:
        return self.conversations_db or self.data_dir / "conversations.sqlite3"

    @property
    def models_path(self) -> Path:
        return self.model_dir or _user_cache() / "models"

    @property
    def glossary_path(self) -> Path:
        return self.glossary_dir or _user_cache() / "glossary"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"
