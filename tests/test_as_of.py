"""The law as in force on a date, end to end on the real corpus index: for every law with more than one
version, a superseded provision (and the date it states) is never given as current, a version adopted after
the date is never quoted, and "when" questions lead with the date. Also `regqa ask --as-of`."""
from __future__ import annotations

import json
import re

import pytest

from rag import Assistant
from tests.test_cli_ask import regqa

# (law, question, as_of): date and content questions on every law that has several versions in the corpus
CASES = [
    ("us-co-ai-act", "When does the Colorado AI Act take effect?", "2025-09-01"),
    ("us-co-ai-act", "When does the Colorado AI Act take effect?", "2026-03-01"),
    ("us-co-ai-act", "When does the Colorado AI Act take effect?", "2026-12-01"),
    ("us-co-ai-act", "What must a deployer of a high-risk AI system do in Colorado?", "2027-02-01"),
    ("eu-ai-act", "From when do the EU AI Act's rules for high-risk AI systems apply?", "2025-09-01"),
    ("eu-ai-act", "From when do the EU AI Act's rules for high-risk AI systems apply?", "2026-12-01"),
    ("eu-ai-act", "What does Article 1 of the EU AI Act say?", "2026-12-01"),
    ("kr-ai-basic-act", "When does Korea's AI Basic Act enter into force?", "2026-12-01"),
    ("kr-ai-basic-act", "What must businesses do to label generative AI output under Korea's AI Basic Act?",
     "2026-12-01"),
    ("jp-appi", "What does the APPI say about cross-border transfers of personal data?", "2026-12-01"),
    ("jp-ai-promotion-act", "When did Japan's AI Promotion Act take effect?", "2026-12-01"),
]


@pytest.fixture(scope="module")
def assistant(corpus_index) -> Assistant:
    return Assistant.from_settings(corpus_index)


def _line_of(text: str, n: int) -> str:
    return next((ln for ln in text.splitlines() if f"[{n}]" in ln), "")


@pytest.mark.parametrize("law, question, as_of", CASES)
def test_no_superseded_or_later_version_passes_as_current(assistant, law, question, as_of):
    ans = assistant.answer(question, as_of=as_of)
    assert ans.scope.as_of == as_of and ans.citations, ans.text
    versions = assistant.retriever.versions()
    for c in ans.citations:
        v = versions.by_doc[c.doc_id]
        assert not v.exists_from or v.exists_from <= as_of, f"{c.label}: adopted {v.exists_from}, after {as_of}"
        assert c.status and c.status != "not_yet", c.label
        if c.status == "superseded":
            assert "(superseded on " in _line_of(ans.text, c.n), (c.label, ans.text)
        assert c.version, f"{c.label}: the card says nothing of its version"


@pytest.mark.parametrize("as_of, superseded_date", [
    ("2026-03-01", "FEBRUARY 1, 2026"),  # SB 25B-004 (in force 25 November 2025) moved it to June 30, 2026
    ("2027-02-01", "JUNE 30, 2026"),  # SB 26-189 (in force 1 January 2027) replaced Part 17
])
def test_colorado_superseded_dates_are_never_given_as_current(assistant, as_of, superseded_date):
    for q in ("When does the Colorado AI Act take effect?",
              "From when must Colorado deployers of high-risk AI systems complete impact assessments?"):
        ans = assistant.answer(q, as_of=as_of)
        for line in ans.text.splitlines():
            if superseded_date.lower() in line.lower():
                assert "(superseded on " in line, (q, as_of, line)


def test_colorado_history_at_three_dates(assistant):
    q = "When does the Colorado AI Act take effect?"
    before = assistant.answer(q, as_of="2025-09-01")
    assert "us-co-sb26-189" not in {c.doc_id for c in before.citations}  # not adopted yet on that date
    now = assistant.answer(q, as_of="2026-12-01")
    first = now.text.splitlines()[0]
    assert first.startswith("January 1, 2027"), now.text  # the date first
    assert "still ahead on 1 December 2026" in first
    assert now.citations[0].doc_id == "us-co-sb26-189" and now.citations[0].status == "pending"
    later = assistant.answer("What must a deployer of a high-risk AI system do in Colorado?", as_of="2027-02-01")
    for c in later.citations:
        assert c.doc_id == "us-co-sb26-189" or c.status == "superseded", c.label


def test_eu_oj_text_of_a_changed_article_is_not_quoted_after_the_amendment(assistant):
    ans = assistant.answer("From when do the EU AI Act's rules for high-risk AI systems apply?", as_of="2026-12-01")
    changed = [c for c in ans.citations if c.doc_id == "eu-ai-act" and c.article == "113"]
    assert not changed, ans.text  # Art. 113 was amended by Regulation (EU) 2026/1744
    early = assistant.answer("From when do the EU AI Act's rules for high-risk AI systems apply?", as_of="2025-09-01")
    assert not any(c.doc_id.startswith("eu-ai-act-consolidated") for c in early.citations), early.text


def test_gpai_question_leads_with_its_date(assistant):
    ans = assistant.answer("Do the AI Act's general-purpose AI obligations already apply?", as_of="2026-12-01")
    first = ans.text.splitlines()[0]
    assert re.match(r"\d{1,2} \w+ 20\d\d \(already passed on 1 December 2026\)", first), ans.text


def test_old_translation_says_it_may_miss_amendments(assistant):
    ans = assistant.answer("What does the APPI say about cross-border transfers of personal data?")
    en = [c for c in ans.citations if c.doc_id == "jp-appi-en"]
    assert en, ans.text
    assert all("later amendments may be missing" in c.version for c in en)


def test_history_questions_may_quote_the_superseded_text_labelled(assistant):
    ans = assistant.answer("What did the Colorado AI Act originally say about when deployers must comply?",
                           as_of="2026-12-01")
    assert ans.scope.history
    old = [c for c in ans.citations if c.status == "superseded"]
    for c in old:
        assert "(superseded on " in _line_of(ans.text, c.n)


def test_cli_as_of(corpus_index):
    r = regqa(["ask", "--json", "--as-of", "2025-09-01", "When does the Colorado AI Act take effect?"], corpus_index)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["scope"]["as_of"] == "2025-09-01"
    assert d["citations"] and all(c["status"] for c in d["citations"])
    bad = regqa(["ask", "--as-of", "someday", "When does the Colorado AI Act take effect?"], corpus_index)
    assert bad.returncode == 2 and "not a date" in bad.stderr


def test_what_an_amendment_changed_is_quoted_from_both_versions(assistant):
    ans = assistant.answer("What did the 2026 amendment change in Article 50 of the EU AI Act?", as_of="2026-12-01")
    docs = {c.doc_id for c in ans.citations}
    assert docs == {"eu-ai-act", "eu-ai-act-consolidated"}, ans.text
    assert all(c.article == "50" for c in ans.citations)
    assert "- Now: " in ans.text and "- Before: " in ans.text
    old = next(c for c in ans.citations if c.doc_id == "eu-ai-act")
    assert old.status == "superseded" and "(superseded on 27 July 2026" in _line_of(ans.text, old.n)
    # the quoted sentences differ: neither version's quote is in the other's text
    new = next(c for c in ans.citations if c.doc_id == "eu-ai-act-consolidated")
    assert old.quote not in new.passage and new.quote.split(" … ")[0] not in old.passage


def test_korean_commencement_date_is_the_main_clause_and_addenda_are_named_by_their_act(assistant):
    ans = assistant.answer("When does Korea's AI Basic Act enter into force?", as_of="2026-12-01")
    first = ans.text.splitlines()[0]
    # "This Act shall enter into force on January 22, 2026; provided, ..." (Act No. 21311), not the proviso's
    # "January 24, 2026" for digital medical devices
    assert first.startswith("January 22, 2026 (already passed on 1 December 2026)"), ans.text
    assert "Addenda (Act No. 21311)" in first and "Art. 21311" not in ans.text


def _other_wording(ans, prefix: str, doc_id: str):
    """The "- Before: "/"- Now: " line's sentence and the citation it cites (of ``doc_id``)."""
    lines = [ln for ln in ans.text.splitlines() if ln.startswith(prefix)]
    assert lines, ans.text
    n = int(re.search(r"” \[(\d+)\]", lines[0]).group(1))
    cit = next(c for c in ans.citations if c.n == n)
    assert cit.doc_id == doc_id, ans.text
    sentence = re.search(r"“(.+)”", lines[0]).group(1).split(" …")[0]
    assert sentence in cit.passage
    return sentence, cit


def test_a_history_question_naming_no_article_sets_the_other_versions_wording_beside_the_quote(assistant):
    # asked about the text before and now: the current text quoted, the earlier wording beside it
    ans = assistant.answer("What did the EU AI Act originally require about the AI literacy of staff, and what "
                           "does it require now?", as_of="2026-12-01")
    sentence, old = _other_wording(ans, "- Before: ", "eu-ai-act")
    assert old.status == "superseded"
    newer = [c for c in ans.citations if c.doc_id == "eu-ai-act-consolidated"]
    assert newer and all(sentence not in c.passage for c in newer)
    # asked about the original only: the original quoted first, the current wording after it as "Now:"
    orig = assistant.answer("What did the EU AI Act originally require about the AI literacy of staff?",
                            as_of="2026-12-01")
    first = min(orig.citations, key=lambda c: c.n)
    assert first.doc_id == "eu-ai-act" and first.status == "superseded", orig.text
    sentence, cur = _other_wording(orig, "- Now: ", "eu-ai-act-consolidated")
    assert sentence not in first.passage
    # the same topic asked about the law as it is: no earlier wording
    now = assistant.answer("What does the EU AI Act require about the AI literacy of staff?", as_of="2026-12-01")
    assert "- Before: " not in now.text and not now.scope.history
