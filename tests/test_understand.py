"""Question understanding: laws, jurisdictions, articles, aspects, language, comparison,
laws that are not indexed, and follow-ups resolved from the chat history."""
from __future__ import annotations

import pytest

from rag.understand.catalog import LawCatalog
from rag.understand.scope import defined_terms, find_articles, find_aspects, kanji_number, understand


@pytest.fixture(scope="module")
def catalog():
    return LawCatalog.load()


def _hist(*turns):
    out = []
    for t in turns:
        out += [{"role": "user", "content": t}, {"role": "assistant", "content": "(answer)"}]
    return out


@pytest.mark.parametrize("question,laws", [
    ("what penalties does Japan's AI law carry?", ["jp-ai-promotion-act"]),
    ("Japanese AI act: who is responsible?", ["jp-ai-promotion-act"]),
    ("AI推進法の罰則は？", ["jp-ai-promotion-act"]),
    ("AI法の人工知能基本計画は誰が案を作成しますか？", ["jp-ai-promotion-act"]),
    ("人工知能関連技術の研究開発及び活用の推進に関する法律の目的", ["jp-ai-promotion-act"]),
    ("人工知能戦略本部の本部長は誰ですか？", ["jp-ai-promotion-act"]),
    ("個人情報保護法で個人データの漏えいが起きたら？", ["jp-appi"]),
    ("侮辱罪の法定刑は？", ["jp-penal-code"]),
    ("Are AI Act fines lower for SMEs?", ["eu-ai-act"]),
    ("EU AIA prohibitd practices", ["eu-ai-act"]),
    ("wat fines dose the eu ai act have", ["eu-ai-act"]),
    ("What does Regulation 2024/1689 say about deep fakes?", ["eu-ai-act"]),
    ("What fines can the Commission impose on providers of general-purpose AI models?", ["eu-ai-act"]),
    ("GDRP art 17 right to erasure", ["eu-gdpr"]),
    ("Was sagt die DSGVO zu Bußgeldern?", ["eu-gdpr"]),
    ("What are the maximum fines under the UK GDPR?", ["uk-gdpr"]),
    ("What is the penalty for violating SB942?", ["us-ca-sb942"]),
    ("Colorado AI Act effective date", ["us-co-ai-act"]),
    ("PIPL automatd decison making rules", ["cn-pipl"]),
    ("个人信息保护法第六十六条", ["cn-pipl"]),
    ("APPI third-party provision", ["jp-appi"]),
    ("Korea AI Basic Act fines", ["kr-ai-basic-act"]),
    ("인공지능 기본법 제31조", ["kr-ai-basic-act"]),
    ("calfornia bot disclosre law when is it illegal to use a bot", ["us-ca-sb1001"]),
])
def test_laws_named_in_the_question(catalog, question, laws):
    scope = understand(question, catalog=catalog)
    assert sorted(scope.law_ids) == sorted(laws)
    assert scope.source == "question"


def test_japan_ai_question_is_not_the_eu_ai_act(catalog):
    scope = understand("What penalties does Japan's AI Act carry?", catalog=catalog)
    assert scope.law_ids == ["jp-ai-promotion-act"] and scope.jurisdictions == ["JP"]
    assert scope.aspects[0] == "penalties"


@pytest.mark.parametrize("text,refs", [
    ("What does Article 5 prohibit?", ["5"]), ("Art. 99(3) EU AI Act", ["99(3)"]), ("article 26-2", ["26-2"]),
    ("§ 22757.2 of the BPC", ["22757.2"]), ("Section 17941", ["17941"]), ("第16条", ["16"]), ("第十六条", ["16"]),
    ("第二十六条の二", ["26-2"]), ("第百八十四条第一項", ["184(1)"]), ("제31조", ["31"]), ("제31조의2", ["31-2"]),
    ("Articles 33 and 34 GDPR", ["33", "34"]), ("Annex III", ["III"]), ("UK GDPR Art. 22C", ["22C"]),
    ("What are the fines?", []),
])
def test_article_references(text, refs):
    assert find_articles(text) == refs


@pytest.mark.parametrize("text,n", [("十六", 16), ("二十六", 26), ("百八十四", 184), ("百六十八", 168), ("１６", 16), ("千", 1000)])
def test_kanji_numbers(text, n):
    assert kanji_number(text) == n


@pytest.mark.parametrize("question,aspect", [
    ("What penalties does Japan's AI law carry?", "penalties"), ("AI推進法の罰則は？", "penalties"),
    ("What is 'personal data' under the GDPR?", "definitions"), ("How does the EU AI Act define an AI system?", "definitions"),
    ("When does the EU AI Act apply?", "dates"), ("いつ施行されましたか", "dates"),
    ("Which AI practices are prohibited under the EU AI Act?", "prohibitions"),
    ("Must AI-generated images be labelled?", "labelling"), ("GDPR data breach notification deadline", "breach_notification"),
    ("Who chairs the AI Strategic Headquarters?", "responsibility"), ("Can users sue the operator?", "redress"),
])
def test_aspects(catalog, question, aspect):
    assert aspect in understand(question, catalog=catalog).aspects


@pytest.mark.parametrize("question,lang", [("AI推進法の罰則は？", "ja"), ("AI 기본법 과태료", "ko"), ("个人信息保护法的罚款", "zh"),
                                           ("GDPR fines", "en")])
def test_language(catalog, question, lang):
    assert understand(question, catalog=catalog).language == lang


@pytest.mark.parametrize("question,laws", [
    ("Compare the penalties in the EU AI Act, Korea's AI Basic Act and Japan's AI Promotion Act.",
     ["eu-ai-act", "kr-ai-basic-act", "jp-ai-promotion-act"]),
    ("GDPR vs UK GDPR: how do the maximum fines differ?", ["eu-gdpr", "uk-gdpr"]),
    ("What is the difference between the APPI and the PIPL?", ["jp-appi", "cn-pipl"]),
])
def test_comparison(catalog, question, laws):
    scope = understand(question, catalog=catalog)
    assert scope.comparison and sorted(scope.law_ids) == sorted(laws)


def test_single_law_is_no_comparison(catalog):
    assert not understand("What are the GDPR fines?", catalog=catalog).comparison


@pytest.mark.parametrize("question", [
    "What fines does Brazil's AI bill (PL 2338/2023) provide?",
    "What does Singapore's Model AI Governance Framework require for generative AI?",
    "What are Ofcom's enforcement powers under the UK Online Safety Act?",
    "What consent requirements does India's DPDP Act 2023 impose?",
    "What does the EU AI Liability Directive say about the burden of proof?",
])
def test_laws_not_indexed(catalog, question):
    scope = understand(question, catalog=catalog)
    assert scope.unknown_laws and scope.law_ids == []


def test_a_law_not_indexed_but_named_by_an_indexed_law_is_answered_from_it(catalog):
    # The indexed GDPR names "Directive 95/46/EC"; the question is answered from the GDPR, under a note
    mentions = {"directive 95/46/ec": ["eu-gdpr"]}
    scope = understand("Is Directive 95/46/EC still in force?", catalog=catalog, indexed_law_ids=["eu-gdpr", "eu-dsa"],
                       mentioning=lambda name: mentions.get(name.lower(), []))
    assert scope.law_ids == ["eu-gdpr"] and scope.unknown_laws == []
    assert scope.referenced == {"Directive 95/46/EC": ["eu-gdpr"]}
    # a citing law that is not indexed does not answer; a name no indexed text uses is still declined
    scope = understand("Is Directive 95/46/EC still in force?", catalog=catalog, indexed_law_ids=["eu-dsa"],
                       mentioning=lambda name: mentions.get(name.lower(), []))
    assert scope.unknown_laws == ["Directive 95/46/EC"] and scope.law_ids == [] and not scope.referenced
    scope = understand("Is Directive 2099/1/EU in force?", catalog=catalog, indexed_law_ids=["eu-gdpr"],
                       mentioning=lambda name: mentions.get(name.lower(), []))
    assert scope.unknown_laws == ["Directive 2099/1/EU"] and not scope.referenced


def test_catalog_law_not_in_the_index_is_unknown(catalog):
    scope = understand("What are the GDPR fines?", catalog=catalog, indexed_law_ids=["jp-ai-promotion-act"])
    assert scope.law_ids == [] and scope.unknown_laws == ["GDPR"]


def test_user_filters_win(catalog):
    scope = understand("What are the fines?", catalog=catalog, law_ids=["eu-gdpr"])
    assert scope.law_ids == ["eu-gdpr"] and scope.source == "user filter"
    scope = understand("What are the fines?", catalog=catalog, jurisdictions=["UK"])
    assert scope.jurisdictions == ["UK"] and scope.source == "user filter"


def test_a_filter_gives_a_generic_law_name_its_country(catalog):
    # With the country chosen in the sidebar, "the AI law" is read as "the Japanese AI law" would be.
    assert understand("what penalties does the AI law carry?", catalog=catalog, jurisdictions=["JP"]).law_ids \
        == ["jp-ai-promotion-act"]
    assert understand("what does the privacy law say about consent?", catalog=catalog,
                      jurisdictions=["JP"]).law_ids == ["jp-appi"]
    assert understand("What are the fines?", catalog=catalog, jurisdictions=["JP"]).law_ids == []  # no topic


def test_nothing_named_and_no_history(catalog):
    scope = understand("What are the fines?", catalog=catalog)
    assert scope.law_ids == [] and scope.jurisdictions == [] and scope.source == "none"


# -- follow-ups --

def test_followup_inherits_law_and_adds_context(catalog):
    h = _hist("When is a general-purpose AI model presumed to have high-impact capabilities under the EU AI Act?")
    scope = understand("And what about fines there?", h, catalog=catalog)
    assert scope.law_ids == ["eu-ai-act"] and scope.aspects == ["penalties"] and scope.source == "history"
    assert "high-impact" in scope.resolved_question


# (earlier question, follow-up, law kept or switched to, what else the resolved scope must show)
FOLLOWUPS = [
    ("Japan's AI law sets up an AI Strategy Headquarters, right?", "Who chairs it?", "jp-ai-promotion-act",
     lambda s: "Headquarters" in s.resolved_question),
    ("人工知能戦略本部の本部長は誰ですか？", "じゃあ副本部長は？", "jp-ai-promotion-act", lambda s: s.language == "ja"),
    ("個人情報保護法の個人情報の定義は？", "それの罰則は？", "jp-appi", lambda s: s.aspects == ["penalties"]),
    ("What are the maximum fines under the GDPR?", "What about in the UK?", "uk-gdpr",
     lambda s: "penalties" in s.aspects),
    ("What penalties does the EU AI Act set?", "What about Korea?", "kr-ai-basic-act",
     lambda s: "penalties" in s.aspects),
]


@pytest.mark.parametrize("before,question,law,check", FOLLOWUPS, ids=[f[1] for f in FOLLOWUPS])
def test_followup_keeps_or_switches_law(catalog, before, question, law, check):
    scope = understand(question, _hist(before), catalog=catalog)
    assert scope.law_ids == [law] and check(scope), scope


def test_a_followup_asking_something_new_keeps_the_law_not_the_earlier_aspect(catalog):
    h = _hist("What penalties does Korea's AI Basic Act set?")
    new = understand("Which body supervises compliance?", h, catalog=catalog)
    assert new.law_ids == ["kr-ai-basic-act"] and "penalties" not in new.aspects, new
    again = understand("And what about those?", h, catalog=catalog)  # no word of its own
    assert again.law_ids == ["kr-ai-basic-act"] and "penalties" in again.aspects, again


def test_switch_to_a_country_without_that_law_is_unknown(catalog):
    h = _hist("What are the maximum fines under the GDPR?")
    scope = understand("What about Korea?", h, catalog=catalog)
    assert scope.law_ids == [] and scope.unknown_laws


def test_elliptical_chain_reaches_back(catalog):
    h = _hist("What are the transparency duties under Korea's AI Basic Act?", "Who enforces it?")
    scope = understand("And the fines?", h, catalog=catalog)
    assert scope.law_ids == ["kr-ai-basic-act"]


def test_new_law_in_followup_overrides_history(catalog):
    h = _hist("What penalties does Japan's AI law carry?")
    scope = understand("And under the GDPR?", h, catalog=catalog)
    assert scope.law_ids == ["eu-gdpr"]


def test_catalog_info(catalog):
    info = catalog.law("eu-ai-act")
    assert info.citation_name == "Regulation (EU) 2024/1689" and info.jurisdiction == "EU"
    assert "EU AI Act" in info.aliases and info.official_url.startswith("https://eur-lex")
    assert catalog.flag("JP") == "🇯🇵" and catalog.default_laws("JP", "ai") == ["jp-ai-promotion-act"]
    with pytest.raises(KeyError):
        catalog.law("nope")


@pytest.mark.parametrize("question,aspect", [
    ("japan ai promotoin act definiton of AI", "definitions"),
    ("what penalites apply under the GDPR", "penalties"),
    ("What are the obligaitons of providers?", "obligations"),
])
def test_misspelt_aspect_words_are_understood(question, aspect):
    assert aspect in find_aspects(question)


def test_ordinary_words_are_not_corrected_into_aspects():
    assert find_aspects("Who is the deployer of this system?") == []


@pytest.mark.parametrize("sentence,terms", [
    ("(1) ‘AI system’ means a machine-based system", ["AI system"]),
    ("(14) “safety component” means a component of a product or of an AI system", ["safety component"]),
    ("この法律において「個人情報」とは、生存する個人に関する情報であって", ["個人情報"]),
    ("“인공지능”이란 학습, 추론 등 인간이 가진 지적 능력을", ["인공지능"]),
    ("The provider shall inform the deployer.", []),
])
def test_defined_terms(sentence, terms):
    assert defined_terms(sentence) == terms


def _indexed():
    from rag.understand.catalog import LawCatalog

    return sorted(LawCatalog.load().laws)


def test_which_laws_apply_in_several_jurisdictions_searches_every_indexed_law_of_each():
    from rag.understand.scope import understand

    s = understand("A chatbot keeps producing fake nude pictures of a singer. Which laws apply in Japan, "
                   "the EU and California?", indexed_law_ids=_indexed())
    assert s.survey
    assert {"jp-penal-code", "jp-appi", "jp-ai-promotion-act", "eu-dsa", "eu-gdpr", "us-ca-sb926"} <= set(s.law_ids)
    assert "news-japan-grok" not in s.law_ids
    assert set(s.jurisdictions) == {"JP", "EU", "US-CA"}


def test_compare_that_with_another_law_keeps_the_earlier_one():
    from rag.understand.scope import understand

    history = [{"role": "user", "content": "What fines does the Digital Markets Act set for gatekeepers?"},
               {"role": "assistant", "content": "The DMA sets fines in Art. 30 ..."}]
    s = understand("Compare that with the GDPR.", history, indexed_law_ids=_indexed())
    assert s.law_ids == ["eu-dma", "eu-gdpr"] and s.comparison and "penalties" in s.aspects


def test_a_country_and_a_topic_pick_a_law_only_where_one_law_of_that_country_is_on_it(catalog):
    # Japan has one statute on AI; California has several whose titles say AI (SB 942, SB 53, AB 2013, ...):
    # there "California's AI law" searches all of California's statutes rather than guessing one
    assert understand("What penalties does Japan's AI law carry?", catalog=catalog).law_ids == ["jp-ai-promotion-act"]
    for q in ("What does California's AI law require?",
              "Our AI start-up in California fired an engineer who warned about model risks. Allowed?"):
        s = understand(q, catalog=catalog)
        assert s.law_ids == [] and s.jurisdictions == ["US-CA"], q
    # a country with one indexed statute: that statute, however the question is worded
    assert understand("Our start-up in Korea wants to launch a chatbot. Anything to do first?",
                      catalog=catalog).law_ids == ["kr-ai-basic-act"]
