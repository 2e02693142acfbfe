"""A question that asks several things is split into its asks (rag/understand/parts.py), and their answers
are joined into one with one numbering of citations (rag/answer/offline/multipart.py)."""
from __future__ import annotations

import pytest

from rag.answer.offline.multipart import combine
from rag.core.types import Answer, Chunk, Citation, Hit
from rag.understand.parts import split_asks


@pytest.mark.parametrize("question, asks", [
    ("Which records must a controller keep under the GDPR, and who can ask to see them?",
     ["Which records must a controller keep under the GDPR", "who can ask to see them?"]),
    ("What does SB 243 require of chatbot operators? How are minors protected?",
     ["What does SB 243 require of chatbot operators?", "How are minors protected?"]),
    ("Our app logs every user's location. Can we sell that data in Canada, and must users consent first?",
     ["Can we sell that data in Canada", "must users consent first?"]),
])
def test_several_asks_are_split_and_each_keeps_its_context(question, asks):
    parts = split_asks(question)
    assert [p.text for p in parts] == asks
    if question.startswith("Our app"):  # the story told first is the context of every ask
        assert all(p.query.startswith("Our app logs every user's location.") for p in parts)
    if "them?" in question:  # an ask that refers back carries the first ask's words
        assert parts[1].query.startswith("Which records must a controller keep")


@pytest.mark.parametrize("question", [
    "What penalties does Japan's AI law carry?",
    "What must a provider do before and when placing a system on the market?",  # one ask, two times
    "Who chairs the headquarters? What does it do?",  # the second ask has no words of its own
    "What is a deployer, and what does deployer mean?",  # the same words asked twice
    "Our shop in Osaka was smeared online, and bookings collapsed",  # no question at all
    "Since the GDPR bans AI, how can our EU team use an AI tool on customer data?",  # a premise, then the ask
    "Under the AI Act as it stands now, when do the requirements for machinery apply?",
])
def test_one_ask_is_not_split(question):
    assert [p.text for p in split_asks(question)] == [question]


def _cit(n, chunk_id, quote):
    return Citation(n=n, doc_id="d", law_title="L", jurisdiction="EU", article=chunk_id, paragraph="", quote=quote,
                    official_url="", source_file="f", chunk_id=chunk_id)


def _hit(cid):
    return Hit(chunk=Chunk(chunk_id=cid, doc_id="d", law_id="l", text="t", body="t", article=cid), score=1.0)


def test_the_whole_answer_comes_first_and_each_ask_adds_what_it_quotes_anew():
    whole = Answer(text="L addresses this in Art. 1:\n- “one” [1]\n- “two” [2]",
                   citations=[_cit(1, "a1", "one"), _cit(2, "a2", "two")], claims_answer=True,
                   hits=[_hit("a1"), _hit("a2")])
    first = Answer(text="L addresses this in Art. 1:\n- “one” [1]", citations=[_cit(1, "a1", "one")],
                   hits=[_hit("a1")])
    second = Answer(text="L sets out penalties in Art. 9:\n- “nine” [1]\n- “two” [2]",
                    citations=[_cit(1, "a9", "nine"), _cit(2, "a2", "two")], hits=[_hit("a9"), _hit("a2")])
    ans = combine(whole, [("What is one?", first), ("what fine?", second)], "en")
    sections = ans.text.split("\n\n")
    # the whole answer as it was; the first ask quoted nothing new and is left out; the second is headed
    assert sections[0] == whole.text and len(sections) == 2
    assert sections[1].startswith("On “what fine”:")
    # its own provision is [3]; the provision the whole answer quoted keeps its number
    assert "- “nine” [3]\n- “two” [2]" in sections[1]
    assert [c.n for c in ans.citations] == [1, 2, 3] and ans.citations[2].chunk_id == "a9"
    assert ans.claims_answer and not ans.abstained
    assert [h.chunk.chunk_id for h in ans.hits] == ["a1", "a2", "a9"]  # the whole question's hits first


def test_markers_citing_several_sources_are_renumbered_too():
    whole = Answer(text="- “one” [1]", citations=[_cit(1, "a1", "one")])
    part = Answer(text="- “nine” [1]; “ten” [1, 2]", citations=[_cit(1, "a9", "nine"), _cit(2, "a10", "ten")])
    assert "[2, 3]" in combine(whole, [("what else?", part)], "en").text
