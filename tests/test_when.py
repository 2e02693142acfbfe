""""When" questions on hand-made chunks of an invented law: a question asks for a time by its grammar, not
by a list of phrases; the structure a final provision names ("Chapters I and II shall apply from ...") is
read as units; and the answer leads with the date of the clause about the asked part of the law, not the
law's general date.

The law is invented (the "Widget Safety Regulation") so that nothing here can be fitted to a real statute's
wording or to a question of the evaluation sets.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from rag.answer.offline.compose import compose
from rag.core.citations import article_units, unit_refs
from rag.core.types import Chunk, Hit, Scope
from rag.understand.scope import find_aspects


@pytest.mark.parametrize("question", [
    "When does the Widget Safety Regulation apply?",
    "when exactly will the widget ban start?",
    "Since when have the labelling duties applied?",
    "Is the widget regulation in force yet?",
    "Are the recall rules already binding on importers?",
    "We import widgets from abroad. Are the recall rules binding on us yet?",  # the question after a story
    "From what date must importers register?",
    "On which day do the fines become applicable?",
    "ウィジェット規則はいつから適用されますか",
    "위젯 규정은 언제부터 적용됩니까?",
])
def test_a_question_asking_for_a_time_is_a_dates_question(question):
    assert "dates" in find_aspects(question)


@pytest.mark.parametrize("question", [
    "What must an importer do when a widget overheats?",
    "When a distributor sells a toxic widget, who is liable?",
    "How soon must a widget incident be reported?",  # a duration, not when a law applies
    "When is an importer required to keep test records?",  # "when" asking for circumstances
    "When may a distributor refuse to take back a widget?",
    "Are importers liable for defects?",
])
def test_when_in_a_condition_or_a_duration_is_not_a_dates_question(question):
    assert "dates" not in find_aspects(question)


def test_unit_refs_reads_lists_and_ranges_of_units():
    assert unit_refs("(a) Chapters I and II shall apply") == {("chapter", "1"), ("chapter", "2")}
    assert unit_refs("Article 12(3) to (5), Article 14 and Sections 2 and 3 of Chapter VI") == {
        ("article", "12"), ("article", "14"), ("section", "6.2"), ("section", "6.3"), ("chapter", "6")}
    # a section is numbered within its chapter: Section 2 of Chapter III is not Section 2 of Chapter V
    assert unit_refs("(c) Chapter III, Sections 1, 2, and 3 shall apply from:") == {
        ("chapter", "3"), ("section", "3.1"), ("section", "3.2"), ("section", "3.3")}
    assert unit_refs("Section 2 Obligations of importers", chapter="5") == {("section", "5.2")}
    assert unit_refs("Articles 30 to 32 shall apply") == {("article", "30"), ("article", "31"), ("article", "32")}
    assert unit_refs("This Regulation shall apply from 1 March 2031.") == set()


def _c(doc, article, body, heading, *, title="", kind="article", seq=0, law="widget"):
    return Chunk(chunk_id=f"{doc}:x:{seq}", doc_id=doc, law_id=law, text=body, body=body,
                 law_title="Regulation on the safety of widgets", short_name="Widget Safety Regulation",
                 citation_name="Regulation (XX) 2030/7", jurisdiction="XX", language="en", unit_kind=kind,
                 article=article, heading_path=heading, unit_title=title, seq=seq, source_file=f"{doc}.xml",
                 official_url=f"https://example.org/{doc}")


FINAL = ("This Regulation shall enter into force on the twentieth day following its publication.\n"
         "It shall apply from 1 March 2031.\nHowever:\n"
         "(a) Chapters I and II shall apply from 1 March 2029;\n"
         "(b) Chapter IV shall apply from 1 September 2030, with the exception of Article 21.")
BAN = "1. Placing toxic widgets on the market shall be prohibited."
NB_FINES = "1. Notified bodies that issue false certificates shall be subject to fines of up to EUR 500 000."
FINES = "1. Infringements of the ban on toxic widgets shall be subject to fines of up to 2 % of annual turnover."
LABEL = "1. Importers shall label each widget with the name of its manufacturer."
ORIGINAL = [  # as adopted: chapters printed with their numbers
    _c("w-oj", "7", BAN, "Chapter II Banned widgets", title="Prohibition", seq=7),
    _c("w-oj", "12", LABEL, "Chapter III Labelling", title="Labels", seq=12),
    _c("w-oj", "20", FINES, "Chapter IV Fines", title="Fines", seq=20),
    _c("w-oj", "21", NB_FINES, "Chapter IV Fines", title="Fines on notified bodies", seq=22),
    _c("w-oj", "40", FINAL, "Chapter V Final provisions", title="Entry into force and application", seq=40),
]
CONSOLIDATED = [  # a consolidation printing its chapters by title only
    _c("w-cons", "7", BAN, "BANNED WIDGETS", title="Prohibition", seq=7),
    _c("w-cons", "20", FINES, "FINES", title="Fines", seq=20),
    _c("w-cons", "20a", "1. Repeated infringements shall be subject to periodic penalty payments.", "FINES",
       title="Periodic penalty payments", seq=21),
    _c("w-cons", "21", NB_FINES, "FINES", title="Fines on notified bodies", seq=22),
    _c("w-cons", "30", "1. Each Member State shall ensure that its widget helpdesk is operational by 1 June 2030.",
       "HELPDESKS", title="National helpdesks", seq=30),
    _c("w-cons", "31", "(a) Importers shall keep a register of every widget they sell.", "REGISTERS",
       title="Registers", seq=31),
    _c("w-cons", "31", "(b) This article shall become operative on 1 January 2032.", "REGISTERS", title="Registers",
       seq=32),
    _c("w-cons", "40", FINAL, "FINAL PROVISIONS", title="Entry into force and application", seq=40),
]


def test_article_units_number_a_consolidation_by_the_titles_another_version_numbers():
    units = article_units(ORIGINAL + CONSOLIDATED)
    assert units["7"] == {("chapter", "2")}
    assert units["20a"] == {("chapter", "4")}  # only the consolidation has it: numbered through "FINES"
    assert article_units(CONSOLIDATED)["20a"] == set()  # no version numbers it: nothing is guessed


class Law:
    """The consolidation is the text in force; the structure comes from every version."""

    def __init__(self):
        self.chunks = CONSOLIDATED

    def law_chunks(self, law_id, language=None):
        return [c for c in self.chunks if c.law_id == law_id]

    def law_structure(self, law_id):
        return article_units(ORIGINAL + CONSOLIDATED)

    def search(self, question, scope, k=6, doc_ids=None):
        return []

    def lookup(self, law_id, article, paragraph=None):
        return [c for c in self.chunks if c.law_id == law_id and c.article == article]

    def versions(self):
        return None

    def translated(self, question, lang, law_ids, jurisdictions):
        return []

    def mentioning(self, name, limit=2):
        return []

    def term_share(self, term):
        return 0.0


def _ask(question, *articles):
    by = {c.article: c for c in CONSOLIDATED}
    hits = [Hit(by[a], score=1.0 - i / 10) for i, a in enumerate(articles)]
    scope = Scope(law_ids=["widget"], jurisdictions=["XX"], aspects=find_aspects(question), as_of="2030-01-01")
    return compose(question, scope, hits, retriever=Law()).text


@pytest.mark.parametrize("question,articles,date,not_date", [
    # the ban sits in Chapter II: "(a) Chapters I and II ..." gives its date
    ("From when is it prohibited to sell toxic widgets?", ("7", "40"), "1 March 2029", "1 September 2030"),
    # Art. 20a is only in the consolidation; its chapter number comes from the original's "Chapter IV Fines"
    ("When do the periodic penalty payments start to apply?", ("20a", "40"), "1 September 2030", "1 March 2029"),
])
def test_a_when_question_about_part_of_a_law_leads_with_that_part_s_date(question, articles, date, not_date):
    text = _ask(question, *articles)
    lead = text.splitlines()[0]
    assert lead.startswith(date), text
    assert not_date not in lead
    assert "Art. 40" in lead  # the date is cited to the final provision that states it


def test_a_part_the_clause_excepts_takes_the_general_date():
    text = _ask("Since when can notified bodies be fined for false certificates?", "21", "40")
    lead = text.splitlines()[0]
    assert lead.startswith("1 March 2031"), text  # "(b) Chapter IV ..., with the exception of Article 21"
    assert "1 September 2030" not in lead


def test_a_deadline_the_asked_provision_states_itself_comes_before_the_general_date():
    text = _ask("By when must each national widget helpdesk be up and running?", "30", "40")
    assert text.splitlines()[0].startswith("1 June 2030"), text


def test_a_when_question_about_the_whole_law_leads_with_its_general_date():
    text = _ask("When does the Widget Safety Regulation apply?", "40")
    assert text.splitlines()[0].startswith("1 March 2031"), text


def test_a_provision_stating_its_own_date_answers_does_it_apply_yet_with_that_date():
    # Art. 31's duty is in one chunk, its own "This article shall become operative on ..." in another: the
    # provision's own date leads, before the law's general one (Art. 40: 1 March 2031).
    text = _ask("We import widgets. Is the duty to keep a register of widgets binding on us already?", "31", "40")
    lead = text.splitlines()[0]
    assert lead.startswith("1 January 2032 (still ahead on 1 January 2030)"), text
    assert "This article shall become operative on 1 January 2032." in text


AMENDED_FINAL = FINAL.replace("It shall apply from 1 March 2031.", "It shall apply from 1 March 2033.")


class TwoVersions(Law):
    """The original and an amending consolidation that moved the general date (w-am replaces w-oj)."""

    def __init__(self):
        from rag.index.versions import Versions, text_hash, unit_key

        self.chunks = [ORIGINAL[-1], _c("w-am", "40", AMENDED_FINAL, "FINAL PROVISIONS",
                                        title="Entry into force and application", seq=40)]
        rec = lambda doc, body, **kw: {"doc_id": doc, "law_id": "widget", "citation_name": doc, "kind": "law",  # noqa: E731
                                       "unit_hashes": {unit_key("article", "40"): text_hash(body)}, **kw}
        self._versions = Versions.from_records([
            rec("w-oj", FINAL, version_kind="enacted", adopted="2030-01-01", in_force="2030-01-20"),
            rec("w-am", AMENDED_FINAL, version_kind="consolidated", adopted="2031-01-01", in_force="2031-02-01",
                replaces=["w-oj"])])

    def versions(self):
        return self._versions


def test_a_question_about_the_earlier_version_only_gets_its_date_marked_as_the_earlier_text_s():
    law = TwoVersions()
    q = "In the regulation as originally adopted, from when did it apply?"
    scope = Scope(law_ids=["widget"], jurisdictions=["XX"], aspects=find_aspects(q), as_of="2032-01-01",
                  history=True, earlier_only=True)
    lead = compose(q, scope, [Hit(c, 1.0) for c in law.chunks], retriever=law).text.splitlines()[0]
    assert lead.startswith("1 March 2031 (the date of the earlier text, superseded on 1 February 2031)"), lead
    # asked about both versions: the law in force leads, with its own date
    both = compose(q + " And now?", replace(scope, earlier_only=False), [Hit(c, 1.0) for c in law.chunks[::-1]],
                   retriever=law).text.splitlines()[0]
    assert both.startswith("1 March 2033 (still ahead on 1 January 2032)"), both


def test_a_transitional_rule_citing_the_asked_article_gives_its_date():
    # Art. 41 is no entry-into-force article (its caption says nothing of dates) and retrieval did not find it:
    # it is found by citing Art. 12, with the date it sets ("by 1 March 2033"), not the first it mentions.
    law = Law()
    label = _c("w-cons", "12", LABEL, "LABELLING", title="Labels", seq=12)
    transitional = _c("w-cons", "41", "1. Importers of widgets placed on the market before 1 March 2031 shall "
                      "label them in accordance with Article 12 by 1 March 2033.", "FINAL PROVISIONS",
                      title="Widgets already on the market", seq=41)
    law.chunks = CONSOLIDATED + [label, transitional]
    q = "Our widgets have been on sale for years. By when must importers label them?"
    scope = Scope(law_ids=["widget"], jurisdictions=["XX"], aspects=find_aspects(q), as_of="2030-01-01")
    text = compose(q, scope, [Hit(label, 1.0), Hit(CONSOLIDATED[-1], 0.9)], retriever=law).text
    lead = text.splitlines()[0]
    assert lead.startswith("1 March 2033 (still ahead on 1 January 2030)") and "Art. 41" in lead, text


def test_a_chapter_named_to_place_its_sections_dates_only_those_sections():
    from rag.answer.offline.compose import _clause_units

    clause = "(b) Chapter III Section 4, Chapter V and Article 78 shall apply from 2 August 2025"
    assert _clause_units(clause) == {("section", "3.4"), ("chapter", "5"), ("article", "78")}
    assert ("chapter", "3") in unit_refs(clause)  # as a heading path would read it: the article is in Chapter III
    assert _clause_units("(c) Chapter III, Sections 1 and 2, shall apply from:") == {("section", "3.1"),
                                                                                    ("section", "3.2")}
    assert ("chapter", "3") in _clause_units("Chapter III, with the exception of Section 4, shall apply")


def test_provisions_dating_the_asked_article_are_found_by_what_they_cite():
    from rag.answer.offline.compose import Topic, _dating_provisions

    law = Law()
    cites_with_date = _c("w-cons", "41", "1. Widgets placed on the market before 1 March 2031 shall comply with "
                         "Article 12 by 1 March 2033.", "FINAL PROVISIONS", title="Transitional", seq=41)
    cites_without = _c("w-cons", "42", "1. Article 12 shall not apply to spare parts.", "FINAL PROVISIONS",
                       title="Spare parts", seq=42)
    dated_elsewhere = _c("w-cons", "43", "1. Article 13 shall apply from 1 March 2032.", "FINAL PROVISIONS",
                         title="Later start", seq=43)
    law.chunks = CONSOLIDATED + [cites_with_date, cites_without, dated_elsewhere]
    scope = Scope(law_ids=["widget"], as_of="2030-01-01")
    topic = Topic({("article", "12"): 1.0, ("chapter", "3"): 1.0}, {"widget", "compli"})
    found = _dating_provisions("widget", topic, scope, law, [])
    assert [c.article for c in found] == ["41"]
    # a question with none of the sentence's words ("When does it apply?") is about the law, not Art. 12
    assert _dating_provisions("widget", Topic(topic.units, set()), scope, law, []) == []
    # only the asked article (weight 1: the best hit or named in the question), not a neighbour's
    assert _dating_provisions("widget", Topic({("article", "12"): 0.5}, topic.words), scope, law, []) == []


@pytest.mark.parametrize("question,until", [
    ("Until when must importers keep the register?", True),
    ("Does the grace period for small importers expire at some point?", True),
    ("いつまで猶予されますか", True),
    ("From what date must importers keep the register?", False),
    ("Is the register duty binding on us already?", False),
])
def test_a_question_asking_when_something_ends_is_read_by_its_grammar(question, until):
    from rag.understand.scope import asks_until

    assert asks_until(question) is until


def test_a_provision_s_own_end_date_answers_until_when_and_never_from_when():
    from rag.understand.scope import asks_until

    law = Law()
    cure = [_c("w-cons", "33", "(a) Before any fine, the authority shall give the importer notice and 60 days to "
               "cure.", "FINES", title="Cure period", seq=33),
            _c("w-cons", "33", "(b) THIS ARTICLE IS REPEALED, EFFECTIVE JANUARY 1, 2034.", "FINES", title="Cure period",
               seq=34)]
    law.chunks = CONSOLIDATED + cure

    def lead(q):
        scope = Scope(law_ids=["widget"], jurisdictions=["XX"], aspects=find_aspects(q), as_of="2030-01-01",
                      until=asks_until(q))
        return compose(q, scope, [Hit(cure[0], 1.0), Hit(CONSOLIDATED[-1], 0.9)], retriever=law).text.splitlines()[0]

    assert lead("Until when must the authority give importers a chance to cure?").startswith(
        "January 1, 2034 (still ahead on 1 January 2030)")  # in normal case, though the law prints capitals
    assert "2034" not in lead("From when must the authority give importers a chance to cure?")
