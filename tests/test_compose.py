"""The offline answerer on hand-made chunks: leads, verbatim quotes, [n] numbering,
absence of an aspect, out-of-corpus abstention and per-jurisdiction sections.

The retriever here is a plain list of chunks answering ``law_chunks``/``search``
the way HybridRetriever does for a whole law (no index is needed to test compose).
"""
from __future__ import annotations

import re
from dataclasses import replace

from rag.answer.offline.compose import compose
from rag.core.citations import article_units, label, paragraph_of
from rag.core.text import sentences
from rag.core.types import Chunk, Hit, Scope

JP_16 = ("The national government is to collect information on trends of research and development, and the "
         "national government based on the results, is to give guidance, advice to a research and development "
         "institute, a utilization business operator and other people, and provide information for them, or take "
         "other necessary measures.")
JP_22 = ("The person in charge of the headquarters is referred to as the chairperson (referred to below as the "
         "\"Chairperson\"). The Prime Minister serves as the Chairperson.\nA chairperson directs and supervises "
         "personnel of the headquarters.")
JP_22_JA = "本部の長は、人工知能戦略本部長（以下「本部長」という。）とし、内閣総理大臣をもって充てる。\n本部長は、本部の事務を総括し、所部の職員を指揮監督する。"
JP_16_JA = "国は、調査及び研究を行い、その結果に基づいて、研究開発機関、活用事業者その他の者に対する指導、助言、情報の提供その他の必要な措置を講ずるものとする。"
EU_99 = ("2. The Member States shall notify the Commission of the rules on penalties.\n3. Non-compliance with the "
         "prohibition of the AI practices referred to in Article 5 shall be subject to administrative fines of up "
         "to EUR 35 000 000 or, if the offender is an undertaking, up to 7 % of its total worldwide annual "
         "turnover for the preceding financial year, whichever is higher.")
KR_43 = ("(1) Any of the following persons shall be subject to an administrative fine not exceeding 30 million won:\n"
         "1. A person who fails to provide the notification.\n(2) An administrative fine under paragraph (1) shall "
         "be imposed and collected by the Minister of Science and ICT.")
CA_2 = ("(a) A covered provider shall make available an AI detection tool at no cost to the user.\n"
        "(b) A covered provider shall collect user feedback related to the efficacy of the AI detection tool.")


def chunk(doc_id, law_id, article, body, *, jur, lang="en", cite="", short="", para="", kind="article", seq=0,
          title=""):
    return Chunk(chunk_id=f"{doc_id}:x:{seq}", doc_id=doc_id, law_id=law_id, text=body, body=body,
                 law_title=title or short, short_name=short, citation_name=cite, jurisdiction=jur, language=lang,
                 unit_kind=kind, article=article, paragraph=para, seq=seq, source_file=f"{doc_id}.xml",
                 official_url=f"https://example.org/{doc_id}")


JP = dict(jur="JP", cite="Act No. 53 of 2025", short="AI Promotion Act")
JP_TITLE_JA = "Act on Promotion ... / 人工知能関連技術の研究開発及び活用の推進に関する法律（令和七年法律第五十三号）"
CHUNKS = [
    chunk("jp-en", "jp-ai", "16", JP_16, seq=16, **JP),
    chunk("jp-en", "jp-ai", "22", JP_22, seq=22, **JP),
    chunk("jp-ja", "jp-ai", "16", JP_16_JA, lang="ja", seq=16, title=JP_TITLE_JA, **JP),
    chunk("jp-ja", "jp-ai", "22", JP_22_JA, lang="ja", seq=22, title=JP_TITLE_JA, **JP),
    chunk("eu", "eu-ai", "99", EU_99, jur="EU", cite="Regulation (EU) 2024/1689", short="EU AI Act", para="2-3"),
    chunk("kr", "kr-ai", "43", KR_43, jur="KR", cite="Act No. 20676", short="Korea AI Basic Act"),
    chunk("ca", "ca-942", "22757.2", CA_2, jur="US-CA", cite="Cal. Bus. & Prof. Code", kind="section"),
]


class ChunkList:
    """A Retriever (rag/retrieve/protocol.py) over a fixed list of chunks: law_chunks and search."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.searched = []

    def law_chunks(self, law_id, language=None):
        return [c for c in self.chunks if c.law_id == law_id and (language is None or c.language == language)]

    def search(self, question, scope, k=6, doc_ids=None):
        self.searched.append(scope.law_ids)
        return [Hit(c, 1.0) for c in self.chunks if c.law_id in scope.law_ids][:k]

    # The rest of rag/retrieve/protocol.py Retriever, with nothing to give.
    def lookup(self, law_id, article, paragraph=None):
        return []

    def versions(self):
        return None

    def translated(self, question, lang, law_ids, jurisdictions):
        return []

    def law_structure(self, law_id):
        return article_units(self.law_chunks(law_id))

    def term_share(self, term):
        return 0.0

    def mentioning(self, name, limit=2):
        return []


def hits_of(*keys):
    by = {(c.doc_id, c.article): c for c in CHUNKS}
    return [Hit(by[k], score=1.0 - i / 10) for i, k in enumerate(keys)]


def quoted(text):
    return re.findall(r"“(.+?)” \[\d+\]|「(.+?)」\[\d+\]", text, re.S)


def assert_verbatim(ans):
    bodies = [c.body for c in CHUNKS]
    quotes = [a or b for a, b in quoted(ans.text)]
    assert quotes, ans.text
    for q in (part for quote in quotes for part in quote.split(" … ")):
        assert any(q.removesuffix(" …") in b for b in bodies), q
    for c in ans.citations:
        for part in c.quote.split(" … "):
            assert part.removesuffix(" …") in c.passage


def test_sentences_keep_japanese_brackets_and_abbreviations():
    ja = sentences(JP_22_JA)
    assert ja[0] == "本部の長は、人工知能戦略本部長（以下「本部長」という。）とし、内閣総理大臣をもって充てる。"
    assert len(ja) == 2
    en = sentences("See Art. 5 of No. 3 here. Then the rest.\n1. A numbered paragraph. Second one.")
    assert en == ["See Art. 5 of No. 3 here.", "Then the rest.", "1. A numbered paragraph.", "Second one."]


def test_labels_and_paragraph_from_numbered_lines():
    eu = CHUNKS[4]
    assert paragraph_of(eu, eu.body.index("Non-compliance")) == "3"
    assert label(eu, "3") == "Regulation (EU) 2024/1689, Art. 99(3)"
    assert label(CHUNKS[0]) == "Act No. 53 of 2025, Art. 16"
    ca = CHUNKS[6]
    assert label(ca, paragraph_of(ca, ca.body.index("(b)"))) == "Cal. Bus. & Prof. Code § 22757.2(b)"
    assert label(chunk("e", "e", "27", "x", jur="EU", cite="Regulation (EU) 2024/1689", kind="recital")) \
        == "Regulation (EU) 2024/1689, Recital 27 (non-binding)"
    assert label(chunk("e", "e", "III", "x", jur="EU", cite="Regulation (EU) 2024/1689", kind="annex")) \
        == "Regulation (EU) 2024/1689, Annex III"
    assert label(chunk("d", "d", "", "x", jur="EU", cite="Regulation (EU) 2022/1925", kind="annex")) \
        == "Regulation (EU) 2022/1925, Annex"  # a law's only annex has no number
    kr = CHUNKS[5]
    assert paragraph_of(kr, kr.body.index("An administrative fine under")) == "2"


def test_lead_quotes_and_numbering():
    q = "What fines apply for prohibited AI practices under the EU AI Act?"
    ans = compose(q, Scope(law_ids=["eu-ai"], jurisdictions=["EU"], aspects=["penalties"]),
                  hits_of(("eu", "99")), retriever=ChunkList(CHUNKS))
    assert not ans.abstained
    first = ans.text.splitlines()[0]
    assert "EU AI Act" in first and "Art. 99(3)" in first
    assert_verbatim(ans)
    assert [c.n for c in ans.citations] == list(range(1, len(ans.citations) + 1))
    assert ans.citations[0].label == "Regulation (EU) 2024/1689, Art. 99(3)"
    assert "EUR 35 000 000" in ans.citations[0].quote
    assert ans.citations[0].official_url == "https://example.org/eu"
    for c in ans.citations:
        assert f"[{c.n}]" in ans.text


def test_one_citation_per_provision_in_order_of_use():
    q = "Who is the chairperson of the headquarters and who directs personnel of the headquarters?"
    ans = compose(q, Scope(law_ids=["jp-ai"], jurisdictions=["JP"]), hits_of(("jp-en", "22"), ("jp-en", "16")),
                  retriever=ChunkList(CHUNKS))
    keys = [(c.doc_id, c.article, c.paragraph) for c in ans.citations]
    assert len(keys) == len(set(keys))
    assert ans.citations[0].article == "22"
    assert "Prime Minister" in ans.text or "chairperson" in ans.text.lower()
    assert_verbatim(ans)


def test_absence_of_penalties_cites_closest_provision_only():
    q = "What penalties does Japan's AI law carry?"
    retr = ChunkList(CHUNKS)
    # Retrieval leaked an EU penalty chunk: it must not be quoted for a Japan question.
    ans = compose(q, Scope(law_ids=["jp-ai"], jurisdictions=["JP"], aspects=["penalties"]),
                  hits_of(("eu", "99"), ("jp-en", "22")), retriever=retr)
    assert not ans.abstained
    assert re.search(r"no penalty provisions", ans.text) and "does not impose fines" in ans.text
    assert {c.jurisdiction for c in ans.citations} == {"JP"}
    assert [c.article for c in ans.citations] == ["16"]
    assert "EUR" not in ans.text and "guidance" in ans.text
    assert_verbatim(ans)


def test_absence_in_japanese():
    ans = compose("AI推進法の罰則は？", Scope(law_ids=["jp-ai"], language="ja"), hits_of(("jp-ja", "22")),
                  retriever=ChunkList(CHUNKS))
    assert "罰則の規定はありません" in ans.text
    assert ans.citations and ans.citations[0].language == "ja" and ans.citations[0].article == "16"
    assert "人工知能関連技術の研究開発及び活用の推進に関する法律" in ans.text
    assert_verbatim(ans)


def test_present_aspect_is_not_called_absent():
    ans = compose("What is the maximum administrative fine under Korea's AI Basic Act?",
                  Scope(law_ids=["kr-ai"], aspects=["penalties"]), hits_of(("kr", "43")), retriever=ChunkList(CHUNKS))
    assert "no penalty" not in ans.text and "30 million won" in ans.text
    assert ans.citations[0].label == "Act No. 20676, Art. 43(1)"


def test_out_of_corpus_named_law_abstains_without_citations():
    indexed = {"JP": ["AI Promotion Act"], "EU": ["EU AI Act"]}
    ans = compose("What fines does Brazil's AI bill provide?", Scope(unknown_laws=["Brazil's AI bill"]),
                  hits_of(("eu", "99")), retriever=ChunkList(CHUNKS), indexed=indexed)
    assert ans.abstained and not ans.citations
    assert "does not contain Brazil's AI bill" in ans.text
    assert "JP: AI Promotion Act" in ans.text and "EU: EU AI Act" in ans.text


def test_a_law_answered_from_the_indexed_law_referring_to_it_says_so_first():
    scope = Scope(law_ids=["eu-ai"], jurisdictions=["EU"], aspects=["penalties"],
                  referenced={"Directive 2099/1/EU": ["eu-ai"]})
    ans = compose("What fines does Directive 2099/1/EU set for prohibited AI practices?", scope,
                  hits_of(("eu", "99")), retriever=ChunkList(CHUNKS))
    assert not ans.abstained and ans.citations
    assert ans.text.splitlines()[0] == ("Directive 2099/1/EU is not itself in the indexed corpus; the provisions "
                                        "below are indexed law that refers to it.")
    assert_verbatim(ans)


def test_nothing_relevant_abstains():
    ans = compose("How do I bake sourdough bread?", Scope(), hits_of(("jp-en", "22")), retriever=ChunkList(CHUNKS),
                  indexed={"JP": ["AI Promotion Act"]})
    assert ans.abstained and not ans.citations
    assert "does not answer" in ans.text


def test_comparison_has_one_section_per_jurisdiction():
    q = "Compare the penalties and fines in the EU AI Act, Korea's AI Basic Act and Japan's AI Promotion Act."
    retr = ChunkList(CHUNKS)
    scope = Scope(law_ids=["eu-ai", "kr-ai", "jp-ai"], jurisdictions=["EU", "KR", "JP"], aspects=["penalties"],
                  comparison=True)
    ans = compose(q, scope, hits_of(("eu", "99"), ("kr", "43")), retriever=retr)
    parts = ans.text.split("\n\n")
    assert len(parts) == 4, ans.text
    eu, kr, jp = parts[1:]
    assert eu.startswith("EU — ") and kr.startswith("KR — ") and jp.startswith("JP — ")
    assert "EUR" in eu and "won" not in eu
    assert "won" in kr and "EUR" not in kr
    assert "no penalty provisions" in jp and "EUR" not in jp and "won" not in jp
    by_n = {c.n: c for c in ans.citations}
    for part, jur in ((eu, "EU"), (kr, "KR"), (jp, "JP")):
        ns = [int(n) for n in re.findall(r"\[(\d+)\]", part)]
        assert ns and all(by_n[n].jurisdiction == jur for n in ns)
    assert_verbatim(ans)


def test_never_cites_outside_named_laws():
    ans = compose("What must a covered provider make available?", Scope(law_ids=["kr-ai"]),
                  hits_of(("ca", "22757.2"), ("kr", "43")), retriever=ChunkList(CHUNKS))
    assert all(c.doc_id == "kr" for c in ans.citations)


def test_followup_quotes_what_is_asked_now_not_the_earlier_turn():
    # "the fine if we don't notify users": Art. 43 (fine for not notifying) before Art. 42 (a prison-or-fine
    # penalty for leaking secrets), though Art. 42 shares more aspect keywords and the earlier turn's "uses".
    kr_42 = chunk("kr", "kr-ai", "42", "A person who divulges confidential information or uses it for other purposes "
                  "shall be punished by imprisonment with labor for not more than 3 years or by a fine not exceeding "
                  "30 million won.", jur="KR", cite="Act No. 20676", short="Korea AI Basic Act", seq=42)
    kr_42 = replace(kr_42, unit_title="Penalty provisions")
    kr_43 = replace(next(c for c in CHUNKS if c.article == "43"), unit_title="Administrative fines")
    scope = Scope(law_ids=["kr-ai"], jurisdictions=["KR"], aspects=["penalties", "breach_notification"],
                  resolved_question="And what's the fine if we don't notify users? (Under Korea's AI Basic Act, "
                                    "do we have to tell users our service uses generative AI?)", source="history")
    ans = compose("And what's the fine if we don't notify users?", scope, [Hit(kr_42, 1.0), Hit(kr_43, 0.9)],
                  retriever=ChunkList([kr_42, kr_43]))
    assert ans.citations[0].article == "43", ans.text
    assert "30 million won" in ans.citations[0].quote
    assert ans.citations[0].quote.count("fails to provide the notification") == 1  # item quoted with its lead-in only
    assert_verbatim_in(ans, [kr_42.body, kr_43.body])


def test_same_sentence_in_two_versions_is_quoted_once():
    a = chunk("kr-en", "kr-ai", "42", "A person who, in violation of Article 7(9), divulges secrets shall be fined.",
              jur="KR", short="Korea AI Basic Act", seq=1)
    b = chunk("kr-en-2025", "kr-ai", "42", "A person who, in violation of Article 7 (9), divulges secrets shall be "
              "fined.", jur="KR", short="Korea AI Basic Act", seq=2)
    ans = compose("Who is fined for divulging secrets?", Scope(law_ids=["kr-ai"], jurisdictions=["KR"]),
                  [Hit(a, 1.0), Hit(b, 0.9)], retriever=ChunkList([a, b]))
    assert len(quoted(ans.text)) == 1, ans.text


def assert_verbatim_in(ans, bodies):
    for c in ans.citations:
        assert any(part.removesuffix(" …") in b for b in bodies for part in c.quote.split(" … ")), c.quote


def test_quoted_list_lead_in_is_followed_by_its_items_across_chunks():
    # Art. 5(1) of the AI Act: the lead-in and item (a) in one chunk, further items in the next ones.
    eu = dict(jur="EU", cite="Regulation (EU) 2024/1689", short="EU AI Act", para="1")
    first = chunk("eu", "eu-ai", "5", "1. The following AI practices shall be prohibited:\n(a) the use of an AI "
                  "system that deploys subliminal techniques;", seq=5, **eu)
    second = chunk("eu", "eu-ai", "5", "(b) the use of an AI system that exploits vulnerabilities;\n(c) the use of "
                   "AI systems for social scoring leading to either of the following:\n(i) detrimental treatment;\n"
                   "(ii) unfavourable treatment;\n(d) the use of AI systems to infer emotions at work;", seq=6, **eu)
    third = chunk("eu", "eu-ai", "5", "(h) the use of real-time remote biometric identification, unless necessary "
                  "for one of the following objectives:\n(i) the targeted search for victims;\n2. The use of such "
                  "systems shall be notified.\n(e) an item of paragraph 2 only;", jur="EU", cite="Regulation (EU) "
                  "2024/1689", short="EU AI Act", para="1-2", seq=7)
    other = chunk("eu", "eu-ai", "6", "(e) a point of another article;", seq=8, **eu)
    chunks = [first, second, third, other]
    ans = compose("Which AI practices are prohibited?", Scope(law_ids=["eu-ai"], jurisdictions=["EU"]),
                  [Hit(first, 1.0)], retriever=ChunkList(chunks))
    lines = ans.text.splitlines()
    items = [ln for ln in lines if ln.startswith("  - ")]
    assert [re.search(r"“\((\w+)\)", ln).group(1) for ln in items] == ["b", "c", "d"], ans.text
    assert "social scoring" in ans.text and "infer emotions" in ans.text
    assert "detrimental treatment" not in ans.text  # a sub-item of (c), not an item of the list
    assert "another article" not in ans.text and "paragraph 2 only" not in ans.text
    assert [c.label for c in ans.citations] == ["Regulation (EU) 2024/1689, Art. 5(1)"]  # items cite the lead-in's paragraph
    assert all(ln.endswith("[1]") for ln in items)
    assert_verbatim_in(ans, [c.body for c in chunks])


def test_list_items_stop_at_a_new_paragraph_and_skip_roman_sub_items():
    from rag.answer.offline.lists import list_items
    from rag.core.citations import Quote
    from tests.test_lists import law_of

    body = ("1. Providers shall:\n(a) keep logs;\n(b) use one of the following:\n(i) a register;\n(ii) a file;\n"
            "(c) report incidents;\n2. Deployers shall:\n(d) not an item of paragraph 1;")
    c = chunk("eu", "eu-ai", "26", body, jur="EU", seq=1)
    lead = Quote(c, 0, body.index("\n"))
    _, items, more = list_items([lead], law_of(c))
    assert [i.text for i in items] == ["(b) use one of the following:", "(c) report incidents;"]
    assert more == 0
    assert list_items([Quote(c, body.index("(a)"), body.index("\n(b)"))], law_of(c))[1] == []  # not a lead-in


def test_quoted_point_of_a_list_brings_its_lead_in_and_items_when_the_list_is_what_is_asked():
    # "What are the obligations of providers?" answered by point (c) alone: the list is the answer.
    eu = dict(jur="EU", cite="Regulation (EU) 2024/1689", short="EU AI Act")
    a = replace(chunk("eu", "eu-ai", "16", "Providers of high-risk AI systems shall:\n(a) ensure compliance with "
                      "Section 2;\n(b) indicate their name;", seq=16, para="(a)-(b)", **eu),
                unit_title="Obligations of providers of high-risk AI systems")
    b = replace(chunk("eu", "eu-ai", "16", "(c) have a quality management system in place;\n(d) affix the CE "
                      "marking;", seq=17, para="(c)-(d)", **eu), unit_title=a.unit_title)
    retriever = ChunkList([a, b])
    ans = compose("What are the obligations of providers of high-risk AI systems?",
                  Scope(law_ids=["eu-ai"], jurisdictions=["EU"], aspects=["obligations"]), [Hit(b, 1.0)],
                  retriever=retriever)
    assert "Providers of high-risk AI systems shall:" in ans.text, ans.text
    for point in ("(a) ensure", "(b) indicate", "(c) have a quality", "(d) affix the CE"):
        assert ans.text.count(point) == 1, (point, ans.text)
    assert [c.label for c in ans.citations] == ["Regulation (EU) 2024/1689, Art. 16"]
    assert_verbatim_in(ans, [a.body, b.body])
    # The same point for a question about deployers: the providers' list is not what is asked.
    other = compose("What are the obligations of deployers of high-risk AI systems?",
                    Scope(law_ids=["eu-ai"], jurisdictions=["EU"], aspects=["obligations"]), [Hit(b, 1.0)],
                    retriever=retriever)
    assert "Providers of high-risk AI systems shall:" not in other.text and "(d) affix" in other.text, other.text


def test_a_sentence_referring_back_is_quoted_with_the_sentence_it_refers_to():
    from rag.answer.offline.quotes import select_quotes
    from rag.understand.question import parse_question

    body = ("3. The controller shall answer a request within one month of its receipt. That period may be extended "
            "by two further months where necessary. Requests made by electronic means are answered electronically.\n"
            "4. Providers shall train their staff in literacy. This obligation does not require any literacy "
            "certificate. This Regulation applies to staff training generally.")
    c = chunk("eu", "eu-gdpr", "12", body, jur="EU", para="3-4")
    late = select_quotes(parse_question("How many months does the controller have to answer a request?", Scope()),
                         [Hit(c, 1.0)], [], 1)[0]
    assert late.text == ("3. The controller shall answer a request within one month of its receipt. That period may be "
                         "extended by two further months where necessary."), late.text
    back = select_quotes(parse_question("Does the obligation require a literacy certificate?", Scope()),
                         [Hit(c, 1.0)], [], 1)[0]
    assert back.text == ("4. Providers shall train their staff in literacy. This obligation does not require any "
                         "literacy certificate."), back.text  # "This Regulation" is not the sentence before
    assert back.paragraph == "4"


def test_lead_claims_an_answer_only_when_the_cross_encoder_says_the_quote_answers():
    # the real bundled cross-encoder, with an explicit threshold (the fitted one lives in rag/data/weights.toml)
    from rag.core.weights import Weights
    from rag.retrieve.rerank import CrossEncoder

    judge, weights = CrossEncoder(), Weights(answers_min_logit=0.0)
    scope = Scope(law_ids=["eu-ai"], jurisdictions=["EU"], aspects=["penalties"])
    good = compose("What fines apply for prohibited AI practices under the EU AI Act?", scope, hits_of(("eu", "99")),
                   retriever=ChunkList(CHUNKS), judge=judge, weights=weights)
    assert good.claims_answer and "No indexed provision clearly answers" not in good.text
    off = compose("How many members sit on the AI Board and who appoints them?",
                  Scope(law_ids=["eu-ai"], jurisdictions=["EU"]), hits_of(("eu", "99")),
                  retriever=ChunkList(CHUNKS), judge=judge, weights=weights)
    assert not off.abstained and not off.claims_answer
    assert off.text.splitlines()[0].startswith("No indexed provision clearly answers this. The closest are")
    assert_verbatim(off)  # still quoted, only not presented as the answer


def test_lead_neither_claims_nor_denies_where_the_cross_encoder_cannot_read_the_question():
    # the judge reads English: a Japanese question is not judged, so the lead names the closest provision and
    # says its relevance was not checked, instead of "X addresses this" (a claim nothing checked)
    from rag.core.weights import Weights
    from rag.retrieve.rerank import CrossEncoder

    ans = compose("AI推進法の基本計画は誰が作りますか？", Scope(law_ids=["jp-ai"], language="ja"),
                  hits_of(("jp-ja", "22")), retriever=ChunkList(CHUNKS), judge=CrossEncoder(),
                  weights=Weights(answers_min_logit=-100.0))
    assert not ans.abstained and not ans.claims_answer
    assert ans.text.splitlines()[0].startswith("最も近い索引済みの規定は") and "確認していません" in ans.text
    assert_verbatim(ans)


def test_a_question_sharing_no_word_with_the_named_law_gets_its_closest_provision_not_an_absence():
    # A story in other words than the statute's matches no sentence word for word. Retrieval still ranked a
    # provision of the named law first: it is shown as the closest (the judge decides the lead), instead of
    # "the indexed text has no provision that matches", which would assert an absence nothing checked.
    from rag.core.weights import Weights
    from rag.retrieve.rerank import CrossEncoder

    ans = compose("What happens to a firm that ignores this?", Scope(law_ids=["kr-ai"], jurisdictions=["KR"]),
                  hits_of(("kr", "43")), retriever=ChunkList(CHUNKS), judge=CrossEncoder(),
                  weights=Weights(answers_min_logit=100.0))
    assert not ans.abstained and not ans.claims_answer
    assert ans.text.splitlines()[0].startswith("No indexed provision clearly answers this. The closest are Art. 43")
    assert [c.article for c in ans.citations] == ["43"]
    assert_verbatim(ans)


def test_the_cross_encoder_moves_the_sentence_that_answers_before_one_that_only_repeats_the_words():
    # Two sentences of one provision share the question's words; the one repeating more of them is an
    # exception, the other answers ("how long": six months). Words alone quote the exception first; with the
    # cross-encoder's part (weights.toml sentence_judge_weight) the answer comes first.
    from rag.core.weights import Weights
    from rag.retrieve.rerank import CrossEncoder

    body = ("1. Deployers shall retain the logs for a period of at least six months.\n"
            "2. Deployers that keep the logs of the system as part of their financial documentation need not keep "
            "the logs of the system separately.")
    c = chunk("eu", "eu-ai", "26", body, jur="EU", cite="Regulation (EU) 2024/1689", short="EU AI Act", seq=26)
    question, scope = "How long must deployers keep the logs of the system?", Scope(law_ids=["eu-ai"], jurisdictions=["EU"])
    first = {}
    for w in (0.0, 1.0):
        ans = compose(question, scope, [Hit(c, 1.0)], retriever=ChunkList([c]), judge=CrossEncoder(),
                      weights=Weights(sentence_judge_weight=w, answers_min_logit=100.0))
        first[w] = quoted(ans.text)[0][0]
    assert first[0.0].startswith("2. Deployers that keep"), first
    assert first[1.0].startswith("1. Deployers shall retain the logs"), first


def test_a_korean_question_is_answered_in_korean_with_the_korean_text_s_own_numbering():
    body = "① 다음 각 호의 어느 하나에 해당하는 자에게는 3천만원 이하의 과태료를 부과한다.\n1. 고지 의무를 위반한 자"
    ko = replace(chunk("kr-ko", "kr-ai", "43", body, jur="KR", lang="ko", cite="Act No. 20676", short="Korea AI Basic Act",
                       para="1"), label="제43조")
    ans = compose("인공지능기본법 위반 시 과태료는 얼마입니까?", Scope(law_ids=["kr-ai"], jurisdictions=["KR"], language="ko"),
                  [Hit(ko, 1.0)], retriever=ChunkList([ko]))
    first = ans.text.splitlines()[0]
    assert first.startswith("Korea AI Basic Act") and "제43조제1항" in first and "규정합니다" in first, ans.text
    assert "3천만원 이하의 과태료" in ans.text


def test_user_uploads_and_recitals_are_labelled():
    up = replace(CHUNKS[4], kind="user", citation_name="Team AI policy")
    assert label(up, "3").startswith("Your upload: Team AI policy")
    rec = chunk("e", "e", "12", "x", jur="EU", cite="Regulation (EU) 2024/1689", kind="recital")
    assert label(rec).endswith("Recital 12 (non-binding)")


def test_followup_asking_something_new_does_not_repeat_the_previous_quotes():
    scope = Scope(law_ids=["eu-ai"], jurisdictions=["EU"], aspects=["penalties"], source="history")
    first = compose("What fines apply for prohibited AI practices?", replace(scope, source="question"),
                    hits_of(("eu", "99")), retriever=ChunkList(CHUNKS))
    again = compose("And what must the Member States do about penalties?", scope, hits_of(("eu", "99")),
                    retriever=ChunkList(CHUNKS), previous_answer=first.text)
    assert first.citations[0].quote not in again.text
    assert "notify the Commission of the rules on penalties" in again.text


def test_survey_quotes_each_jurisdiction_only_where_the_judge_finds_an_answer():
    from rag.core.weights import Weights
    from rag.retrieve.rerank import CrossEncoder

    scope = Scope(law_ids=["jp-ai", "eu-ai"], jurisdictions=["JP", "EU"], survey=True, comparison=True)
    ans = compose("Which fines apply to prohibited AI practices?", scope, hits_of(("jp-en", "16"), ("eu", "99")),
                  retriever=ChunkList(CHUNKS), judge=CrossEncoder(), weights=Weights(answers_min_logit=0.0))
    eu = next(p for p in ans.text.split("\n\n") if p.startswith("EU — "))
    jp = next(p for p in ans.text.split("\n\n") if p.startswith("JP — "))
    assert "addresses this" in eu or "penalties" in eu
    # Japan's closest provision is not presented as the answer (here: the law has no penalties at all)
    assert "addresses this" not in jp and "sets out penalties" not in jp
    assert "contains no penalty provisions" in jp or "No indexed provision clearly answers this" in jp
    assert_verbatim(ans)


def test_a_question_about_what_a_text_says_on_a_topic_is_answered_by_a_sentence_on_that_topic():
    # The MS MARCO judge scores a short topical question low ("What does ... say about detection tools?");
    # a quoted sentence using the topic's words is what the text says on it, so the lead says it answers.
    # A topic the sentence does not speak of gets the judge as before: with a threshold nothing reaches, the
    # closest only.
    from rag.core.weights import Weights
    from rag.retrieve.rerank import CrossEncoder
    from rag.understand.scope import asked_topic

    judge, strict = CrossEncoder(), Weights(answers_min_logit=100.0)

    def ask(q):
        scope = Scope(law_ids=["ca-942"], jurisdictions=["US-CA"], about=asked_topic(q))
        return compose(q, scope, hits_of(("ca", "22757.2")), retriever=ChunkList(CHUNKS), judge=judge, weights=strict)

    on = ask("What does the California AI Transparency Act say about AI detection tools?")
    assert on.claims_answer and "No indexed provision clearly answers" not in on.text, on.text
    # and only what it says on the topic: with the fitted quoting weights, a provision retrieval ranked next
    # gets quoted for its rank alone; one that never speaks of the topic is left out
    from rag.core.settings import Settings

    rule = chunk("z", "user-z", "1", "Staff must mark every AI-generated image with a visible watermark before it "
                 "leaves the company.", jur="", short="Zephyr Widget Policy", seq=1)
    stray = chunk("z", "user-z", "2", "The legal team reviews this policy every year.", jur="", short="Zephyr Widget Policy",
                  seq=2)
    q = "What does the Zephyr Widget Policy say about watermarks?"
    both = compose(q, Scope(law_ids=["user-z"], about=asked_topic(q)), [Hit(rule, 1.0), Hit(stray, 0.9)],
                   retriever=ChunkList([rule, stray]), judge=judge, weights=Weights.load(Settings().weights_file))
    assert [c.article for c in both.citations] == ["1"] and both.claims_answer, both.text
    off = ask("What does the California AI Transparency Act say about capture devices?")
    assert not off.claims_answer and off.text.startswith("No indexed provision clearly answers this")
    assert asked_topic("What fines apply under the Act?") == ""


def test_a_question_naming_only_a_country_quotes_another_law_only_where_it_answers_and_names_each_law():
    # "in the EU", no law named: the section is the jurisdiction's. Another EU law's provision, quoted for its
    # rank alone, is left out where the judge does not find it answering; kept, it is named with its law.
    from rag.core.weights import Weights
    from rag.retrieve.rerank import CrossEncoder

    dsa = chunk("dsa", "eu-dsa", "25", "1. Providers of online platforms shall not use prohibited practices such as "
                "deceptive interface design.", jur="EU", cite="Regulation (EU) 2022/2065", short="DSA", seq=25)
    chunks = [*CHUNKS, dsa]
    hits = [Hit(chunks[4], 1.0), Hit(dsa, 0.9)]
    q, scope = "Which prohibited practices are banned in the EU and what fines apply?", Scope(jurisdictions=["EU"])
    strict = compose(q, scope, hits, retriever=ChunkList(chunks), judge=CrossEncoder(),
                     weights=Weights(answers_min_logit=0.0))
    assert "EUR 35 000 000" in strict.text and "deceptive interface" not in strict.text, strict.text
    loose = compose(q, scope, hits, retriever=ChunkList(chunks), judge=CrossEncoder(),
                    weights=Weights(answers_min_logit=-100.0))
    lead = loose.text.splitlines()[0]
    assert "deceptive interface" in loose.text, loose.text
    assert "EU AI Act, Art. 99(3)" in lead and "DSA, Art. 25(1)" in lead, lead
