"""Law and country names found without aliases written for them (rag/understand/names.py and the
catalog built from indexed documents). Fast: no index, hand-made registry records."""
from __future__ import annotations

import pytest

from rag.understand.catalog import LawCatalog
from rag.understand.names import NameIndex, acronym, law_phrases, name_variants, tokens, typo_close

USER_DOCS = [
    {"doc_id": "user-zephyria", "law_id": "user-zephyria", "title": "Zephyria Data Sharing Ordinance 2027",
     "short_name": "Zephyria Data Sharing Ordinance 2027", "jurisdiction": "", "kind": "user"},
    {"doc_id": "user-handbook", "law_id": "user-handbook", "title": "Northwind Model Risk Handbook",
     "jurisdiction": "", "kind": "user"},
]


@pytest.fixture(scope="module")
def catalog() -> LawCatalog:
    return LawCatalog.with_documents(USER_DOCS)


def test_tokens_fold_case_width_possessives_and_keep_hangul():
    assert tokens("Zephyria's ＡＩ Ordinance") == ["zephyria", "ai", "ordinance"]
    assert tokens("인공지능 기본법") == ["인공지능", "기본법"]  # NFKD must not take syllables apart
    assert tokens("Regulation (EU) 2024/1689") == ["regulation", "eu", "2024/1689"]


@pytest.mark.parametrize("a,b,close", [
    ("ordinance", "ordinanse", True),   # one edit in a long word
    ("gdpr", "gdrp", True),             # a swap in an acronym
    ("pipa", "pipl", False),            # one changed letter in a short word is another word
    ("act", "art", False),              # under four letters: exact only
    ("2024", "2025", False),            # numbers never fuzzy
])
def test_typo_close(a, b, close):
    assert typo_close(a, b) is close


def test_name_variants_come_from_the_title_itself():
    v = name_variants("Act on Widgets (Act No. 9 of 2030) / ウィジェット法 — English translation", "Widgets Act")
    assert "Widgets Act" in v and "Act No. 9 of 2030" in v and "ウィジェット法" in v and "Act on Widgets" in v
    assert not any(x.lower().startswith("english") for x in v)
    assert acronym("General Widget Safety Regulation") == "GWSR"
    assert acronym("Widget Act") == ""


def test_strict_match_needs_every_word_in_order():
    idx = NameIndex()
    idx.add("w", "Widget Safety Act")
    idx.build()
    assert [m.key for m in idx.match("what does the Widget Safety Act require")] == ["w"]
    assert [m.key for m in idx.match("what does the Widgit Safety Act require")] == ["w"]  # typo
    assert idx.match("the Widget Governance Safety Act") == []  # another word in between: another law
    assert idx.match("widget safety rules") == []


def test_user_document_found_by_its_title_and_by_a_distinctive_part(catalog):
    assert catalog.find_laws("What does the Zephyria Data Sharing Ordinance 2027 say about consent?") == ["user-zephyria"]
    assert catalog.find_laws("penalties in the Zephyria ordinance?") == ["user-zephyria"]
    assert "user-handbook" in catalog.find_laws("what does our model risk handbook say about validation")
    # a part made only of common words names nothing
    assert catalog.find_laws("what does the data sharing rule say") == []


def test_official_law_found_by_its_own_metadata_with_a_typo(catalog):
    # no alias lists "Digital Servces Act": the title in the source list is enough
    assert "eu-dsa" in catalog.find_laws("notice and action under the Digital Servces Act")


def test_named_law_that_nothing_indexed_matches_is_reported(catalog):
    assert catalog.find_not_indexed("Does the Freedonia Online Harms Act require age checks?") == \
        ["Freedonia Online Harms Act"]
    assert catalog.find_not_indexed("What does the EU Widget Liability Directive say?") == \
        ["EU Widget Liability Directive"]
    assert catalog.find_not_indexed("Is HB 4242 in force?") == ["HB 4242"]
    # generic names and indexed laws are not "unknown"
    assert catalog.find_not_indexed("What penalties does Japan's AI law carry?") == []
    assert catalog.find_not_indexed("What does the Digital Services Act say about notices?") == []
    assert catalog.find_not_indexed("penalties in the Zephyria ordinance?") == []


def test_a_law_described_by_its_role_or_version_is_not_an_unknown_law(catalog):
    # these refer to a law the question names elsewhere; a lower-case name with a word of its own still counts
    for q in ("Did the implementing regulation of the DSA change the notice rules?",
              "Which dates did the amended law set for Colorado developers?",
              "What did the 2024 delegated act add to the GDPR?",
              "Is the replacement bill for Colorado's AI rules already in force?"):
        assert catalog.find_not_indexed(q) == [], q
    assert catalog.find_not_indexed("does the freedonia online harms act need age checks?") == \
        ["freedonia online harms act"]


def test_a_compound_of_topic_words_describes_a_law_and_names_none(catalog):
    # a hyphenated description is read by its parts, like the same words written apart
    assert catalog.find_not_indexed("Does the privacy-breach law of Japan apply?") == []
    assert catalog.find_not_indexed("What does the AI-chatbot law say?") == catalog.find_not_indexed(
        "What does the AI chatbot law say?") == []
    # a compound with a word of its own is still a name nothing indexed matches
    assert catalog.find_not_indexed("does the freedonia-harms law need age checks?") == ["freedonia-harms law"]


def test_countries_with_nothing_indexed_are_recognised(catalog):
    assert catalog.find_other_countries("How does Kenya regulate deepfakes?") == ["KE"]
    assert catalog.find_other_countries("Is there an Ohio law on chatbots?") == ["US-OH"]
    assert "Kenya" in catalog.find_not_indexed("How does Kenya regulate deepfakes?")
    # indexed jurisdictions stay theirs ("Korea" is KR, not North Korea); lower-case words are no countries
    assert catalog.find_other_countries("What does Korea require?") == []
    assert catalog.find_other_countries("we chad a turkey dinner") == []


def test_misspelt_jurisdiction_found(catalog):
    assert catalog.find_jurisdictions("is there a colorrado rule on this") == ["US-CO"]


def test_law_phrases_trim_question_words():
    spans = [p for _, _, p in law_phrases("Does the Freedonia Online Harms Act apply to us?")]
    assert spans == ["Freedonia Online Harms Act"]
    assert [p for _, _, p in law_phrases("不正競争防止法の罰則は？")] == ["不正競争防止法"]


def test_strip_names_removes_misspelt_names(catalog):
    assert "Servces" not in catalog.strip_names("notice and action under the Digital Servces Act")


def test_jurisdiction_codes_any_case_and_unknown_ones_refused(catalog):
    assert catalog.jurisdiction_code("jp") == "JP" and catalog.jurisdiction_code("us-ca") == "US-CA"
    assert catalog.jurisdiction_code("ke") == "KE"  # a country with nothing indexed may be given to an upload
    with pytest.raises(ValueError, match="known: .*JP"):
        catalog.jurisdiction_code("Q1")
    with pytest.raises(ValueError, match="indexed: "):
        catalog.jurisdiction_code("ke", indexed_only=True)


def test_a_long_pasted_text_finds_each_name_once(catalog):
    # speed is measured in bench/, not here: this checks that repeated names are found and reported once
    q = "What does the Digital Servces Act say about notices? " * 400 + "And the Freedonia Online Harms Act?"
    assert "eu-dsa" in catalog.find_laws(q)
    assert catalog.find_not_indexed(q) == ["Freedonia Online Harms Act"]


def test_our_own_rules_mean_the_users_uploads(catalog):
    # "our policy" names no document, but staff mean their own, never a statute
    for q in ("How long does our retention policy let us keep call recordings?",
              "Does my company's model risk handbook allow this?",
              "What do the internal guidelines say about approvals?"):
        assert sorted(catalog.own_documents(q)) == ["user-handbook", "user-zephyria"], q
    for q in ("What is a privacy policy under the GDPR?", "Our customers complain about spam. What can we do?"):
        assert catalog.own_documents(q) == [], q
    assert LawCatalog.load().own_documents("our deletion policy") == []  # no uploads: nothing to refer to


def test_a_member_state_is_answered_by_the_union_law_that_applies_there(catalog):
    # "a user in Belgium": EU law applies there, so Belgium is no country "with nothing indexed"
    assert catalog.find_jurisdictions("A moderator in Portugal removed a post. What must we tell the user?") == ["EU"]
    assert catalog.find_not_indexed("Our warehouses in Poland use AI to plan shifts. Is that high-risk?") == []
    assert catalog.find_other_countries("How does Norway regulate deepfakes?") == ["NO"]  # not a member


def test_an_upload_is_found_by_the_name_its_file_was_given():
    # the text's own title line says nothing of "AI Basic Act": the file's name does
    docs = [{"doc_id": "user-kr", "law_id": "user-kr", "kind": "user", "jurisdiction": "KR",
             "title": "FRAMEWORK ACT ON THE DEVELOPMENT OF ARTIFICIAL INTELLIGENCE AND THE CREATION OF A FOUNDATION",
             "source_file": "Korea_AI-Basic-Act.txt"},
            {"doc_id": "user-scan", "law_id": "user-scan", "kind": "user", "title": "Minutes",
             "source_file": "scan01.txt"}]
    cat = LawCatalog.with_documents(docs)
    assert "user-kr" in cat.find_laws("What fines can be imposed under Korea's AI Basic Act?")
    assert cat.find_not_indexed("What fines can be imposed under Korea's AI Basic Act?") == []
    assert "user-scan" not in cat.find_laws("what does the scan say")  # one word names nothing
