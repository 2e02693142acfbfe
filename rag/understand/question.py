"""The question as the offline answerer reads it, parsed once per answer: its texts (as asked, as resolved
against the history, the wording that finds the sentences), its language, the aspects it asks about, and
the content terms and synonyms of each text.

``compose`` builds one ``Question`` and hands it to the modules that choose provisions and sentences
(law_checks, quotes, lists), so that none of them tokenises the question again.
"""
from __future__ import annotations

from dataclasses import dataclass

from rag.core.types import Scope
from rag.understand.lexicon import asked_aspects, language_of, synonym_terms, terms


@dataclass(frozen=True)
class Question:
    """One question, parsed (see ``parse_question``)."""

    text: str  # as the user asked it
    resolved: str  # resolved against the history (a follow-up gets the earlier question's words)
    wording: str  # the words that find the sentences: of a story told before the ask, the story (Scope.focus)
    lang: str  # the answer's language
    aspects: list[str]  # the scope's aspects plus those this question's own words name
    terms: frozenset[str]  # of ``text`` (of ``wording`` when nothing was asked): what is asked now
    synonyms: frozenset[str]  # statute wording for the words of ``text`` (as ``terms``)
    resolved_terms: frozenset[str]
    wording_terms: frozenset[str]
    wording_synonyms: frozenset[str]
    # the words of the question that name the law ("Northwind ... Retention Standard", "Digital Services Act"):
    # they say which law, not what in it is asked, so they do not pick its sentences as the asked words do
    name_terms: frozenset[str] = frozenset()
    # of Scope.about, the topic a question asks a text about ("watermarks"); empty for other questions
    about_terms: frozenset[str] = frozenset()

    def on_topic(self, text: str) -> bool:
        """Whether ``text`` uses every word of the asked topic (False when no topic is asked)."""
        return bool(self.about_terms) and self.about_terms <= terms(text)

    @property
    def definition_terms(self) -> frozenset[str] | None:
        """For a definition question, the terms of the wording (the term whose definition is asked); else None."""
        return self.wording_terms if "definitions" in self.aspects else None


def parse_question(question: str, scope: Scope) -> Question:
    """``question`` as asked, read with its ``scope`` (resolved question, focus, aspects, language)."""
    resolved = scope.resolved_question or question
    wording = scope.focus or resolved
    memo: dict[str, frozenset[str]] = {}

    def terms_of(text: str) -> frozenset[str]:
        # Most questions are their own resolution and wording: each distinct text is tokenised once.
        if text not in memo:
            memo[text] = frozenset(terms(text))
        return memo[text]

    own = question or wording  # an empty question leaves the wording as what is asked
    return Question(
        text=question, resolved=resolved, wording=wording, lang=language_of(question, scope),
        # only this question (and the scope) says what is asked, not the earlier turn; of a story, the story
        aspects=asked_aspects(scope.focus or question, scope),
        terms=terms_of(own), synonyms=frozenset(synonym_terms(own)),
        resolved_terms=terms_of(resolved), wording_terms=terms_of(wording),
        wording_synonyms=frozenset(synonym_terms(wording)),
        name_terms=terms_of(resolved) - terms_of(scope.without_names) if scope.without_names else frozenset(),
        about_terms=terms_of(scope.about) if scope.about else frozenset())
