"""The question parsed once per answer (rag/understand/question.py): its fields, and that the offline
answerer's modules read them instead of tokenising the question again."""
from __future__ import annotations

import importlib

import pytest

from rag.answer.offline.compose import compose
from rag.core.types import Hit, Scope
from rag.understand import lexicon
from rag.understand.question import Question, parse_question
from tests.test_compose import CHUNKS, ChunkList

# Every module on the answer's way that could tokenise the question (each binds ``terms`` by name).
_MODULES = ("rag.understand.lexicon", "rag.understand.question", "rag.answer.offline.compose",
            "rag.answer.offline.law_checks", "rag.answer.offline.quotes", "rag.answer.offline.lists")


def test_a_question_is_parsed_into_its_texts_language_aspects_and_terms():
    q = parse_question("What fines apply under the EU AI Act?", Scope(aspects=["penalties"]))
    assert isinstance(q, Question)
    assert q.text == q.resolved == q.wording == "What fines apply under the EU AI Act?"
    assert q.lang == "en" and q.aspects[0] == "penalties"
    assert q.terms == q.wording_terms == q.resolved_terms == frozenset(lexicon.terms(q.text))
    assert lexicon.terms("fine") <= q.terms and q.definition_terms is None
    assert q.synonyms == frozenset(lexicon.synonym_terms(q.text))


def test_a_followup_and_a_story_keep_their_own_texts():
    scope = Scope(resolved_question="And the fines? (Under the EU AI Act, what are the obligations?)",
                  focus="We sell a chatbot to schools and it misbehaves.", source="history")
    q = parse_question("And the fines?", scope)
    assert (q.text, q.resolved, q.wording) == ("And the fines?", scope.resolved_question, scope.focus)
    assert q.terms == frozenset(lexicon.terms("And the fines?"))
    assert q.resolved_terms == frozenset(lexicon.terms(scope.resolved_question))
    assert q.wording_terms == frozenset(lexicon.terms(scope.focus))
    assert parse_question("「個人情報」の定義は？", Scope(aspects=["definitions"])).definition_terms == \
        frozenset(lexicon.terms("「個人情報」の定義は？"))
    assert parse_question("「個人情報」の定義は？", Scope()).lang == "ja"


@pytest.fixture
def question_terms_calls(monkeypatch):
    """How often ``lexicon.terms`` is called on one of ``texts`` (the question's), in every module."""
    original, texts, calls = lexicon.terms, set(), []

    def counting(text):
        if text in texts:
            calls.append(text)
        return original(text)

    for name in _MODULES:
        module = importlib.import_module(name)
        if getattr(module, "terms", None) is original:
            monkeypatch.setattr(module, "terms", counting)
    return texts, calls


@pytest.mark.parametrize("question, scope, hits", [
    # a quoted list, its lead-in and items (lists.py), the aspect look-up (law_checks.aspect_hits)
    ("What must a covered provider make available?", Scope(law_ids=["ca-942"]), [("ca", "22757.2")]),
    # an aspect the law never mentions: the closest provisions (law_checks.closest_quotes)
    ("What are the penalties under the AI Promotion Act?", Scope(law_ids=["jp-ai"], aspects=["penalties"]),
     [("jp-en", "16")]),
    # penalties quoted, a figure the question states (law_checks.unsupported_figures)
    ("Are fines up to 9% of turnover under the EU AI Act?", Scope(law_ids=["eu-ai"], aspects=["penalties"]),
     [("eu", "99")]),
])
def test_compose_tokenises_the_question_once(question_terms_calls, question, scope, hits):
    texts, calls = question_terms_calls
    texts.add(question)
    by_key = {(c.doc_id, c.article): c for c in CHUNKS}
    ans = compose(question, scope, [Hit(by_key[k], 1.0) for k in hits], retriever=ChunkList(CHUNKS))
    assert ans.text
    assert len(calls) == 1, f"the question's terms computed {len(calls)} times"


def test_a_followup_tokenises_each_of_its_texts_once(question_terms_calls):
    texts, calls = question_terms_calls
    scope = Scope(law_ids=["kr-ai"], jurisdictions=["KR"], aspects=["penalties"], source="history",
                  resolved_question="And the fine? (Under Korea's AI Basic Act, must we notify users?)")
    texts.update(("And the fine?", scope.resolved_question))
    kr_43 = next(c for c in CHUNKS if c.article == "43")
    compose("And the fine?", scope, [Hit(kr_43, 1.0)], retriever=ChunkList(CHUNKS))
    assert sorted(calls) == sorted(texts)
