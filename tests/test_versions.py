"""Versions as data (rag/index/versions.py, ingest/dates.py): which provision of which version is the law on
a date, what a citation card says about it, and the dates read from the sources themselves."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.dates import iso, source_dates
from rag.core.dates import long_date
from rag.core.weights import Weights
from rag.index.versions import Versions, text_hash, unit_key


def _rec(doc_id, units, **kw):
    return {"doc_id": doc_id, "law_id": "x-act", "citation_name": doc_id.upper(), "kind": kw.pop("kind", "law"),
            "unit_hashes": {unit_key("section", a): text_hash(t) for a, t in units.items()}, **kw}


BASE = _rec("base", {"1": "Definitions.", "2": "On and after FEBRUARY 1, 2026, a deployer shall ..."},
            version_kind="enacted", adopted="2024-05-17", in_force="2024-05-17")
AMEND = _rec("amend", {"2": "On and after JUNE 30, 2026, a deployer shall ..."}, version_kind="amending",
             adopted="2025-08-28", in_force="2025-11-25", replaces=["base"])
NEW = _rec("new", {"1": "New definitions.", "5": "This act takes effect January 1, 2027."}, version_kind="enacted",
           adopted="2026-05-14", in_force="2027-01-01", replaces=["base", "amend"])
V = Versions.from_records([BASE, AMEND, NEW])


@pytest.mark.parametrize("as_of, doc, art, state", [
    # before the amending act: the base is the law, the amendment does not exist yet
    ("2025-06-01", "base", "2", "in_force"), ("2025-06-01", "amend", "2", "not_yet"),
    # the amending act adopted, not yet in force: the base is still the law (until 25 November 2025)
    ("2025-09-01", "base", "2", "in_force"), ("2025-09-01", "amend", "2", "pending"),
    # the amendment in force: the changed section is superseded, the section it does not contain is not
    ("2026-03-01", "base", "2", "superseded"), ("2026-03-01", "base", "1", "in_force"),
    ("2026-03-01", "amend", "2", "in_force"), ("2026-03-01", "new", "5", "not_yet"),
    # the replacing act adopted, in force 2027: pending; the older texts are still the law
    ("2026-12-01", "new", "5", "pending"), ("2026-12-01", "amend", "2", "in_force"),
    # the replacing act in force: everything it changed or left out of its whole text is superseded
    ("2027-02-01", "base", "1", "superseded"), ("2027-02-01", "amend", "2", "superseded"),
    ("2027-02-01", "new", "1", "in_force"),
])
def test_status_of_a_provision_on_a_date(as_of, doc, art, state):
    assert V.status(doc, "section", art, as_of).state == state


def test_notes_say_which_version_since_when_and_what_replaces_it():
    st = V.status("amend", "section", "2", "2026-12-01")
    assert st.until == "2027-01-01" and st.superseded_by == "NEW"
    assert "in force until 1 January 2027, then replaced by NEW (adopted 14 May 2026)" in st.note
    st = V.status("base", "section", "2", "2026-03-01")
    assert st.superseded_on == "2025-11-25" and "superseded on 25 November 2025 by AMEND" in st.note
    assert "takes effect 1 January 2027" in V.status("new", "section", "5", "2026-12-01").note


def test_an_unchanged_provision_stays_current_in_the_older_official_text():
    oj = _rec("oj", {"1": "Subject matter.", "2": "Scope."}, adopted="2024-06-13", in_force="2024-08-01")
    cons = _rec("cons", {"1": "Subject matter, amended.", "2": "Scope."}, kind="consolidation",
                version_kind="consolidated", official=False, as_of="2026-07-27", in_force="2026-07-27",
                replaces=["oj"])
    v = Versions.from_records([oj, cons])
    assert v.status("oj", "section", "2", "2026-12-01").state == "in_force"
    assert v.status("oj", "section", "1", "2026-12-01").state == "superseded"
    assert v.status("oj", "recital", "27", "2026-12-01").state == "in_force"  # the consolidation has no recitals
    assert "third-party consolidation (not an official text)" in v.status("cons", "section", "1").note
    w = Weights()
    # official text first where both say the same; the consolidation below it
    assert v.weight("oj", "section", "2", "2026-12-01", w) > v.weight("cons", "section", "2", "2026-12-01", w)
    assert v.weight("oj", "section", "2", "2025-01-01", w) == 1.0  # no newer version yet
    # a provision the amendment changed: the consolidation is the only current text and is not demoted
    assert v.weight("cons", "section", "1", "2026-12-01", w) == 1.0


def test_predicate_leaves_out_future_and_superseded_unless_history_is_asked():
    class C:
        def __init__(self, doc_id, article):
            self.doc_id, self.unit_kind, self.article = doc_id, "section", article
    now = V.predicate("2026-03-01")
    assert not now(C("base", "2")) and now(C("base", "1")) and now(C("amend", "2")) and not now(C("new", "5"))
    history = V.predicate("2026-03-01", history=True)
    assert history(C("base", "2")) and not history(C("new", "5"))


def test_translation_older_than_the_original_says_so():
    ja = _rec("ja", {"1": "目的"}, language="ja", version_kind="consolidated", as_of="2026-07-20")
    en = _rec("en", {"1": "Purpose"}, language="en", kind="translation", version_kind="translation",
              as_of="2021-05-19")
    st = Versions.from_records([ja, en]).status("en", "section", "1", "2026-12-01")
    assert not st.official and "the law in force is the Japanese text as of 20 July 2026" in st.note


def test_dates_as_printed():
    assert long_date("2027-01-01") == "1 January 2027"
    assert iso("May 14, 2026") == "2026-05-14" and iso("20260120") == "2026-01-20" and iso("no date") == ""


@pytest.mark.parametrize("rel, expected", [
    ("jp/ai-promotion-act-2025/source/egov_507AC0000000053_asof-2026-07-20.xml", {"adopted": "2025-06-04"}),
    ("jp/appi/source/egov_415AC0000000057_asof-2026-07-20.xml", {"adopted": "2003-05-30"}),
    ("jp/ai-promotion-act-2025/source/jlt_en_5066_dict18.xml", {"adopted": "2025-06-04"}),
    ("kr/ai-framework-act/source/law_go_kr_014820_current_2026-07-21.xml",
     {"adopted": "2026-01-20", "in_force": "2026-01-22"}),
    ("kr/ai-framework-act/source/moleg_en_014820_enactment_2025.xml", {"adopted": "2025-01-21"}),
    ("eu/ai-act-2024-1689/consolidated-with-2026-1744/articles.jsonl", {"as_of": "2026-07-27"}),
])
def test_source_dates_from_the_formats_that_state_them(corpus_dir, rel, expected):
    assert source_dates(corpus_dir / rel, []) == expected


def test_eurlex_dates_from_the_title_the_oj_date_and_the_twentieth_day(corpus_dir):
    oj = corpus_dir / "eu/ai-act-2024-1689/source/oj_L_202401689_EN.xhtml"
    final = ["This Regulation shall enter into force on the twentieth day following that of its publication in the "
             "Official Journal of the European Union."]
    assert source_dates(oj, final) == {"adopted": "2024-06-13", "published": "2024-07-12", "in_force": "2024-08-01"}
    assert "in_force" not in source_dates(oj, ["It shall apply from 2 August 2026."])


def test_source_dates_from_an_acts_own_text():
    tail = ["SECTION 5. Effective date - applicability. (1) Except as otherwise provided in subsection (2) of this "
            "section, this act takes effect January 1, 2027.", "SECTION 6. Safety clause. ... Approved: May 14, 2026"]
    assert source_dates(Path("act.pdf"), tail) == {"adopted": "2026-05-14", "in_force": "2027-01-01"}
    assert source_dates(Path("act.pdf"), ["This act takes effect upon passage."]) == {}


def test_an_upload_never_supersedes_an_official_text():
    law = _rec("law", {"1": "Official wording."}, adopted="2020-01-01")
    old = _rec("user-v1", {"1": "Our policy, first wording."}, kind="user", adopted="2024-01-01")
    up = _rec("user-v2", {"1": "Our policy, new wording."}, kind="user", adopted="2025-01-01",
              replaces=["law", "user-v1"])
    v = Versions.from_records([law, old, up])
    assert v.status("law", "section", "1", "2026-01-01").state == "in_force"
    assert v.status("user-v1", "section", "1", "2026-01-01").state == "superseded"


def test_weights_file_round_trips_and_refuses_unknown_numbers(tmp_path):
    from rag.core.settings import PACKAGE_DATA

    shipped = Weights.load(PACKAGE_DATA / "weights.toml")
    path = tmp_path / "w.toml"
    path.write_text(shipped.to_toml("test"), encoding="utf-8")
    assert Weights.load(path) == shipped
    path.write_text("[ranking]\nrecital_wieght = 0.5\n", encoding="utf-8")  # a typo must not pass silently
    with pytest.raises(ValueError, match="ranking.recital_wieght"):
        Weights.load(path)


def _quote(doc_id, body):
    from rag.core.citations import Quote
    from rag.core.types import Chunk

    c = Chunk(chunk_id=f"{doc_id}:1", doc_id=doc_id, law_id="x", text=body, body=body, article="9", unit_kind="article")
    return Quote(c, 0, len(body))


def test_the_other_versions_sentence_is_found_by_its_point_letter_or_by_likeness():
    from rag.answer.offline.changes import _counterpart

    new = _quote("new", "(c) Sections 1 to 3 shall apply from 2 December 2027 as regards systems listed in the annex.")
    old = [_quote("old", "(b) Section 4 shall apply from 2 August 2025."),
           _quote("old", "(c) Article 6(1) and the corresponding obligations shall apply from 2 August 2027.")]
    # the same point, although its words changed more than they stayed
    assert _counterpart(new, old).text.startswith("(c) Article 6(1)")
    # no point letter: the most alike sentence, if alike enough
    reworded = _quote("new", "Providers shall take measures to support the AI literacy of their staff.")
    before = [_quote("old", "Providers shall take measures to ensure a sufficient level of AI literacy of their staff."),
              _quote("old", "This Regulation shall enter into force on the twentieth day.")]
    assert _counterpart(reworded, before).text.startswith("Providers shall take measures to ensure")
    # a sentence both versions say alike, or one the other version has nothing like, gives nothing
    assert _counterpart(_quote("new", "This Regulation shall enter into force on the twentieth day."), before) is None
    assert _counterpart(_quote("new", "Member States shall lay down rules on penalties."), before) is None


@pytest.mark.parametrize("question, history", [
    ("What did the GDPR say about consent before it was amended?", True),
    ("Has Article 6 of the UK GDPR been revised since Brexit?", True),
    ("What did Colorado's law require of deployers when it was first signed?", True),
    ("Did the 2025 bill change when deployers must comply?", True),
    ("What does the law require now, and what did it require before?", True),
    ("When do the GDPR's rules apply?", False),
    ("Do we have to notify changes to our processing to the regulator?", False),
    ("What does Article 4 require now?", False),
])
def test_questions_about_change_are_recognised_by_their_grammar(question, history):
    from rag.understand.scope import asks_history

    assert asks_history(question) is history


def test_a_question_about_the_earlier_version_only_ranks_the_earlier_wording_first():
    oj = _rec("oj", {"1": "Subject matter.", "2": "Scope."}, adopted="2024-06-13", in_force="2024-08-01")
    cons = _rec("cons", {"1": "Subject matter, amended.", "2": "Scope."}, kind="consolidation",
                version_kind="consolidated", official=True, as_of="2026-07-27", in_force="2026-07-27",
                replaces=["oj"])
    v, w = Versions.from_records([oj, cons]), Weights()
    # the amended provision: the current text ranks below the wording it replaced, only when that is asked
    assert v.weight("cons", "section", "1", "2026-12-01", w, earlier=True) == w.current_when_earlier_asked_weight
    assert v.weight("cons", "section", "1", "2026-12-01", w) == 1.0
    assert v.weight("oj", "section", "1", "2026-12-01", w, earlier=True) == 1.0
    # a provision the amendment left alone is ranked as before
    assert v.weight("cons", "section", "2", "2026-12-01", w, earlier=True) == v.weight("cons", "section", "2",
                                                                                         "2026-12-01", w)


@pytest.mark.parametrize("question, earlier_only", [
    ("In the regulation as originally adopted, when were the transparency rules to apply?", True),
    ("What did Colorado's law require of deployers when it was first signed?", True),
    ("What did the act originally say about fines, and what does it say now?", False),
    ("Was the deadline postponed, and what is the current deadline?", False),
    ("What start date did the act originally set, and what date was put in its place?", False),
    ("What did the original version say about consent, and how does the amended text differ?", False),
    ("改正前の第5条は何を定めていましたか。", True),
    ("改正前と現行の第5条の違いは何ですか。", False),
])
def test_a_question_about_an_earlier_version_that_does_not_also_ask_about_the_current_one(question, earlier_only):
    from rag.understand.scope import asks_current, asks_history

    assert asks_history(question) and (not asks_current(question)) is earlier_only


def test_a_provision_the_earlier_text_did_not_have_is_said_to_be_only_in_the_newer_one():
    # The current translation replaces the enactment's; its Art. 17-2 has no counterpart there (the enactment's
    # other articles are known), so "did the law as first passed say anything about it?" is answered: it did not.
    from rag.answer.offline.changes import other_wordings
    from rag.core.citations import Quote
    from rag.core.types import Chunk

    def rec(doc_id, arts, **kw):
        return {"doc_id": doc_id, "law_id": "kr", "kind": "translation", "version_kind": "translation",
                "unit_hashes": {unit_key("supplementary" if a.startswith("suppl") else "article", a): text_hash(a)
                                for a in arts}, **kw}

    versions = Versions.from_records([
        rec("old", ["17", "18", "suppl-1"], citation_name="Act No. 1 (as enacted)", adopted="2025-01-21"),
        rec("now", ["17", "17-2", "18", "suppl-9"], citation_name="Act No. 1", adopted="2026-01-20", replaces=["old"],
            title="Framework Act (Act No. 1, 2025, as amended by Act No. 9)")])
    body = "(1) The State may pay the costs of using AI services."

    def quote(article):
        c = Chunk(chunk_id=f"now:{article}", doc_id="now", law_id="kr", text=body, body=body, article=article,
                  unit_kind="article", language="en")
        return Quote(c, 0, len(body))

    class R:
        def versions(self):
            return versions

        def lookup(self, law_id, article, paragraph=None):
            return []

    added = other_wordings([quote("17-2")], R(), "2026-12-01")
    assert [(w.when, w.version, w.newer, w.other) for w in added] == \
        [("added", "Act No. 1 (as enacted)", "Act No. 1, as amended by Act No. 9", None)]
    assert other_wordings([quote("18")], R(), "2026-12-01") == []  # both texts have it, worded alike
    # an amending act's addenda are new in every later text: they say nothing about the law's body
    addendum = quote("suppl-9")
    addendum.chunk.unit_kind = "supplementary"
    assert other_wordings([addendum], R(), "2026-12-01") == []
