"""The part of a question that says what it is about, for the dense query.

Staff often tell a story and then ask: "Grok on X has been generating sexualised deepfake images of real
people. Which laws apply to that in Japan, the EU and California?" Embedded whole, the asking sentence pulls
the query towards provisions about applying laws ("This Regulation does not apply to ..."), not towards
deepfakes. A sentence is *frame* when every word of it (names of laws and places already removed) is a word
the index uses everywhere: in at least ``frame_word_chunk_share`` of its chunks ("law" in 15% of them,
"apply" in 12%, "deepfake" in 0.2%). Such a sentence is left out of the dense query when another sentence
of the question is not frame. The measure comes from the index itself, so it holds for any corpus and any
wording; BM25 still reads the whole question, whose common words weigh little there anyway.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from rag.core.text import sentences, tokenize

log = logging.getLogger(__name__)


def focus(question: str, share: Callable[[str], float], frame_share: float) -> str:
    """``question`` without its frame sentences, or "" when it has none to leave out (one sentence, or no
    sentence that is not frame). ``share(term)``: the share of indexed chunks containing a BM25 term."""
    parts = sentences(question or "")
    if len(parts) < 2:
        return ""
    frame = [all(share(t) >= frame_share for t in tokenize(p)) for p in parts]
    if all(frame) or not any(frame):
        return ""
    kept = " ".join(p for p, f in zip(parts, frame, strict=True) if not f)
    log.info("dense query focus: %r (left out: %s)", kept,
             [p for p, f in zip(parts, frame, strict=True) if f])
    return kept
