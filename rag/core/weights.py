"""The numbers that steer ranking and the answer's lead, read from one data file
(``Settings.weights_file``, default rag/data/weights.toml), fitted by ``regqa eval --fit``.

A plain value passed down from the Assistant to the retriever and the answerer, so a fitted file or a
test's own weights apply without touching module state.
"""
from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Weights:
    cross_encoder_weight: float = 0.0  # weight of the cross-encoder's rank when re-ranking (0: off)
    rrf_k: int = 60  # the rank-fusion constant of the re-ranking
    candidates: int = 20  # how many first hits the cross-encoder re-ranks
    answers_min_logit: float = 0.0  # the lead claims an answer only at or above this cross-encoder logit

    @classmethod
    def load(cls, path: Path) -> Weights:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"{path}: not valid TOML ({e})") from e
        rr, lead = data.get("rerank", {}), data.get("lead", {})
        return cls(cross_encoder_weight=float(rr.get("cross_encoder_weight", cls.cross_encoder_weight)),
                   rrf_k=int(rr.get("rrf_k", cls.rrf_k)), candidates=int(rr.get("candidates", cls.candidates)),
                   answers_min_logit=float(lead.get("answers_min_logit", cls.answers_min_logit)))

    def to_toml(self, header: str = "") -> str:
        d = asdict(self)
        return (f"{header}\n[rerank]\ncross_encoder_weight = {d['cross_encoder_weight']}\nrrf_k = {d['rrf_k']}\n"
                f"candidates = {d['candidates']}\n\n[lead]\nanswers_min_logit = {d['answers_min_logit']}\n")
