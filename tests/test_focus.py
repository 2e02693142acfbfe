"""The dense query's focus (rag/understand/focus.py): a sentence made only of words the index uses
everywhere is left out when another sentence tells what the question is about; the share of chunks a term
appears in comes from the BM25 index's own idf. Chunks and wording are invented."""
from __future__ import annotations

from rag.core.text import tokenize
from rag.core.types import Chunk
from rag.index.bm25 import BM25Index
from rag.understand.focus import focus


def _chunk(i: int, body: str) -> Chunk:
    return Chunk(chunk_id=f"d:x:{i}", doc_id="d", law_id="d", text=body, body=body, article=str(i), seq=i)


# Ten provisions: "rules" and "apply" in every one of them, "beekeeping" and "drones" in one each.
BODIES = ["These rules apply to operators of vending machines."] * 7 + [
    "These rules apply to beekeeping near schools.",
    "These rules apply to drones flying over crowds.",
    "These rules apply to the labelling of honey.",
]
INDEX = BM25Index([_chunk(i, b) for i, b in enumerate(BODIES)])


def test_share_is_the_fraction_of_chunks_with_the_term():
    def share(word):
        (term,) = tokenize(word)
        return INDEX.share(term)
    assert abs(share("rules") - 1.0) < 1e-9
    assert abs(share("beekeeping") - 0.1) < 1e-9
    assert abs(share("vending") - 0.7) < 1e-9
    assert share("zebra") == 0.0


def test_a_story_keeps_its_story_and_drops_the_frame():
    q = "A neighbour flies drones over the beekeeping site. Which rules apply?"
    assert focus(q, INDEX.share, 0.5) == "A neighbour flies drones over the beekeeping site."


def test_nothing_is_left_out_of_one_sentence_or_of_all_frame():
    assert focus("Which rules apply to drones?", INDEX.share, 0.5) == ""  # one sentence: kept whole
    assert focus("Which rules apply? Do these rules apply?", INDEX.share, 0.5) == ""  # no story to keep
    # two sentences with topic words each: nothing is frame
    assert focus("Drones fly over schools. Are beekeeping rules relevant?", INDEX.share, 0.5) == ""


def test_the_threshold_decides_what_is_everywhere():
    q = "Our vending machines sell honey. Which rules apply?"
    assert focus(q, INDEX.share, 0.5) == "Our vending machines sell honey."
    # at a threshold above every share, no sentence is frame
    assert focus(q, INDEX.share, 1.01) == ""
