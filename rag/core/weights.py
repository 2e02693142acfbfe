"""The numbers that steer ranking and the answer's lead, read from one data file
(``Settings.weights_file``, default rag/data/weights.toml), fitted by ``regqa eval --fit``.

A plain value passed down from the Assistant to the retriever and the answerer, so a fitted file or a
test's own weights apply without touching module state.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Weights:
    cross_encoder_weight: float = 0.0  # weight of the cross-encoder's rank when re-ranking (0: off)
    rrf_k: int = 60  # the rank-fusion constant of the re-ranking
    candidates: int = 20  # how many first hits the cross-encoder re-ranks
    answers_min_logit: float = 0.0  # the lead claims an answer only at or above this cross-encoder logit
    unofficial_consolidation_weight: float = 0.85  # a third-party consolidation, beside the official text
    older_version_weight: float = 0.9  # a provision a newer indexed version repeats unchanged

    @classmethod
    def load(cls, path: Path) -> Weights:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"{path}: not valid TOML ({e})") from e
        rr, lead, ver = data.get("rerank", {}), data.get("lead", {}), data.get("versions", {})
        return cls(cross_encoder_weight=float(rr.get("cross_encoder_weight", cls.cross_encoder_weight)),
                   rrf_k=int(rr.get("rrf_k", cls.rrf_k)), candidates=int(rr.get("candidates", cls.candidates)),
                   answers_min_logit=float(lead.get("answers_min_logit", cls.answers_min_logit)),
                   unofficial_consolidation_weight=float(ver.get("unofficial_consolidation_weight",
                                                                 cls.unofficial_consolidation_weight)),
                   older_version_weight=float(ver.get("older_version_weight", cls.older_version_weight)))

    def to_toml(self, fitted_on: str = "") -> str:
        """The whole file, with what each number does (written by ``regqa eval --fit``)."""
        return f'''# Numbers that steer ranking and the answer's lead, named for what they do. Fitted on the dev set
# (tests/eval/gold.jsonl) by `regqa eval --fit`, which writes this file and prints the ablation;
# checked on the held-out set (tests/eval/heldout.jsonl), which is never used for fitting.
{f"# Last fitted: {fitted_on}" if fitted_on else ""}

[rerank]
# The cross-encoder (ms-marco-MiniLM-L-12-v2) re-ranks the first `candidates` hits of an English
# question: each hit's new score is 1/(rrf_k + regqa rank) + cross_encoder_weight/(rrf_k + cross-encoder rank).
# 0 turns the re-ranking off (the cross-encoder still judges the lead, below).
cross_encoder_weight = {self.cross_encoder_weight}
rrf_k = {self.rrf_k}
candidates = {self.candidates}

[lead]
# The lead says "X addresses this in Art. N" only when the cross-encoder's logit for the question and
# the first quoted provision is at least this; below it, "No indexed provision clearly answers this.
# The closest are ...". Non-English questions (the model reads English only) keep the plain lead.
# Fitted so that a false claim costs twice a missed one (rag/evaluation/fit.py).
answers_min_logit = {self.answers_min_logit}

[versions]
# Between two versions of a law that say a provision alike (rag/index/versions.py; a changed or repealed
# provision of the older version is not retrieved at all): the retrieval score of the third-party
# consolidation's text, and of the older version's text. With 0.85 < 0.9 the official text is quoted where
# an amendment left a provision unchanged, and a newer translation before an older one. Set by hand and
# checked by `regqa eval` (dev and held-out), not fitted.
unofficial_consolidation_weight = {self.unofficial_consolidation_weight}
older_version_weight = {self.older_version_weight}
'''
