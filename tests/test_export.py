"""ui/export.py and ui/highlight.py: the Markdown export carries the citations; quotes are
highlighted inside escaped passages; flagged sentences are marked."""
from __future__ import annotations

from html import unescape

from ui.export import to_markdown
from ui.highlight import citation_card_html, find_spans, highlight, mark_flagged

CIT = {"n": 1, "doc_id": "jp-ai-promotion-act-en", "law_title": "AI Promotion Act", "jurisdiction": "JP",
       "article": "16", "paragraph": "", "quote": "give guidance, advice",
       "official_url": "https://www.japaneselawtranslation.go.jp/en/laws/view/5066/en",
       "source_file": "jp/x.xml", "label": "Act No. 53 of 2025, Art. 16", "unit_kind": "article", "language": "en",
       "passage": "The national government is to\ngive   guidance, advice to <operators> & others."}


def test_markdown_has_questions_answers_and_citations():
    msgs = [{"role": "user", "content": "what penalties does Japan's AI law carry?"},
            {"role": "assistant", "content": "t", "answer": {
                "text": "No penalties; the state gives guidance [1].", "citations": [CIT],
                "scope": {"law_ids": ["jp-ai-promotion-act"], "jurisdictions": ["JP"]}, "flagged": ["Fines apply."]}},
            {"role": "user", "content": "and the EU?"}]
    md = to_markdown(msgs)
    assert md.index("what penalties") < md.index("No penalties") < md.index("and the EU?")
    assert "[1] **Act No. 53 of 2025, Art. 16** (JP)" in md
    assert "<https://www.japaneselawtranslation.go.jp/en/laws/view/5066/en>" in md
    assert "> give guidance, advice" in md
    assert "jp-ai-promotion-act (JP)" in md and "~~Fines apply.~~" in md


def test_highlight_is_whitespace_tolerant_and_escaped():
    out = highlight(CIT["passage"], CIT["quote"])
    assert "<mark>give   guidance, advice</mark>" in out
    assert "<operators>" not in out and "&" not in out.replace("&#", "") and unescape(out).count("<operators> & others") == 1
    assert "<br>" in out


def test_highlight_with_ellipsis_and_missing_quote():
    p = "Article 99. Fines up to EUR 35 000 000 apply. Member States shall notify."
    assert len(find_spans(p, "Fines up to ... shall notify")) == 2
    assert "<mark>" not in highlight(p, "words that are not there")
    out = highlight("<script>alert(1)</script>", "alert(1)")
    assert "<script>" not in out and unescape(out) == "<script><mark>alert(1)</mark></script>"


def test_mark_flagged():
    out = mark_flagged("Art. 16 applies [1]. Fines of EUR 1 <m> apply.", ["Fines of EUR 1 <m> apply."])
    assert 'class="regqa-flagged"' in out and "<m>" not in out and unescape(out).startswith("Art. 16 applies [1].")
    assert unescape(mark_flagged("a & b", [])) == "a & b" and "&#38;" in mark_flagged("a & b", [])


def test_document_markdown_never_becomes_a_live_image_or_link():
    evil = "Text ![x](http://198.51.100.7/p.png) and [official portal](http://example.invalid) end."
    for out in (mark_flagged(evil, []), highlight(evil, "Text"), citation_card_html({**CIT, "passage": evil}, "", None)):
        assert "![" not in out and "](" not in out and "[official portal]" not in out
        assert "![x](http://198.51.100.7/p.png)" in unescape(out)  # the words are all still there
    md = to_markdown([{"role": "assistant", "content": "", "answer": {"text": evil, "citations": [{**CIT, "quote": evil}]}}])
    assert "![x](" not in md and "[official portal](" not in md


def test_card_shows_parallel_text_japanese_first():
    par = {"doc_id": "jp-ai-promotion-act-ja", "language": "ja", "label": "Art. 16 (第十六条)",
           "text": "国は、…必要な措置を講ずるものとする。", "official_url": "https://laws.e-gov.go.jp/law/507AC0000000053"}
    html = citation_card_html(CIT, "🇯🇵", par)
    assert "Art. 16" in html and "🇯🇵" in html and "<code>JP</code>" in html
    pair = html[html.index('class="regqa-pair"'):]
    assert pair.index("第十六条") < pair.index("<mark>")  # the Japanese original on the left
    assert 'href="https://www.japaneselawtranslation.go.jp/en/laws/view/5066/en"' in html
    assert "regqa-pair" not in citation_card_html(CIT, "🇯🇵", None)


def test_card_says_what_the_cited_text_is():
    up = citation_card_html({**CIT, "kind": "user", "version": ""}, "", None)
    assert "your upload, not an official text" in unescape(up)
    note = "third-party consolidation (not an official text) as of 27 July 2026; in force since 27 July 2026"
    cons = unescape(citation_card_html({**CIT, "kind": "consolidation", "version": note}, "", None))
    assert note in cons and "consolidated text (not the official one)" not in cons  # said once, by the version note
    bare = unescape(citation_card_html({**CIT, "kind": "consolidation", "version": ""}, "", None))
    assert "consolidated text (not the official one)" in bare  # no version data: the kind still says it
    assert "regqa-version" not in citation_card_html({**CIT, "kind": "law", "version": ""}, "", None)


def test_card_shows_the_status_and_links_the_provision():
    old = citation_card_html({**CIT, "status": "superseded", "link": "https://eur-lex.europa.eu/eli/reg/2024/1689/oj/eng#art_113"}, "", None)
    assert "regqa-superseded" in old and "this provision ↗" in old and "#art_113" in old
    assert "not yet in force" in citation_card_html({**CIT, "status": "pending"}, "", None)
    now = citation_card_html({**CIT, "status": "in_force"}, "", None)
    assert "regqa-badge" not in now and "official text ↗" in now


def test_session_law_capitals_read_in_normal_case_with_the_original_kept():
    from ui.highlight import normal_case, shouting

    caps = ("(3) (a) A DEPLOYER SHALL COMPLETE AN IMPACT ASSESSMENT. (I) THE AI SYSTEM MUST BE REVIEWED ANNUALLY "
            "UNDER SUBSECTION (3) OF THIS SECTION.")
    assert shouting(caps) and not shouting("The AI Act (EU) applies to providers of AI systems in the Union.")
    assert normal_case(caps) == ("(3) (a) A deployer shall complete an impact assessment. (I) The AI system must be "
                                 "reviewed annually under subsection (3) of this section.")
    card = citation_card_html({**CIT, "passage": caps, "quote": "A DEPLOYER SHALL COMPLETE AN IMPACT ASSESSMENT."},
                              "", None)
    assert "<mark>A deployer shall complete an impact assessment.</mark>" in card
    assert "as printed (capitals)" in card and "A DEPLOYER SHALL COMPLETE" in card


def test_card_is_short_with_the_whole_provision_behind_a_click():
    card = citation_card_html({**CIT, "law_title": "Act on Promotion of Research and Development, and Utilization of "
                               "Artificial Intelligence-related Technology / 人工知能関連技術の研究開発及び活用の推進に関する法律"}, "", None)
    head = card[:card.index("<details")]
    assert "Act No. 53 of 2025, Art. 16" in head and "<mark>give guidance, advice</mark>" in head
    assert "Act on Promotion" not in head  # the long title is inside the expandable part
    assert "<summary>whole provision · Act on Promotion of Research and Development" in card


def test_points_of_one_provision_share_one_card():
    from ui.highlight import group_citations

    cits = [{**CIT, "n": 1, "paragraph": "1", "label": "Act No. 53 of 2025, Art. 16(1)", "quote": "give guidance"},
            {**CIT, "n": 2, "paragraph": "2", "label": "Act No. 53 of 2025, Art. 16(2)", "quote": "advice"},
            {**CIT, "n": 3, "article": "17", "label": "Act No. 53 of 2025, Art. 17", "quote": "x"}]
    cards = group_citations(cits)
    assert [c["ns"] for c in cards] == [[1, 2], [3]]
    assert cards[0]["label"] == "Act No. 53 of 2025, Art. 16" and cards[0]["quote"] == "give guidance … advice"
    html = citation_card_html(cards[0], "", None)
    assert "[1] [2]" in html and html.count('class="regqa-quote"') == 2


def test_parallel_japanese_article_opens_at_the_cited_paragraph():
    par = {"language": "ja", "label": "第十六条", "text": "国は、指導を行う。\n２　国は、助言を行う。\n３　その他。",
           "focus": "２　国は、助言を行う。"}
    html = citation_card_html({**CIT, "paragraph": "2"}, "", par)
    pair = html[html.index('class="regqa-pair"'):]
    assert pair.index("<mark>２　国は、助言を行う。</mark>") < pair.index("whole article")


def test_cited_paragraph_of_a_japanese_article():
    from types import SimpleNamespace

    from ui.parallel import cited_paragraph

    body = "国は、指導を行う。\n２　国は、助言を行う。\n一　号の一\n３　その他。"
    parts = [SimpleNamespace(paragraph="", body=body)]
    assert cited_paragraph(parts, "2") == "２　国は、助言を行う。\n一　号の一"
    assert cited_paragraph(parts, "9") == "" and cited_paragraph(parts, "") == ""
    split = [SimpleNamespace(paragraph="1", body="A"), SimpleNamespace(paragraph="2", body="B")]
    assert cited_paragraph(split, "2") == "B"


def test_conversation_store_owner_and_shared_links(tmp_path):
    from ui.conversations import ConversationStore, new_id

    store = ConversationStore(tmp_path / "c.sqlite3")
    cid = new_id()
    msgs = [{"role": "user", "content": "what penalties does Japan's AI law carry?"}, {"role": "assistant", "content": "x"}]
    store.save(cid, "ana@example.org", msgs)
    assert [c["id"] for c in store.list("ana@example.org")] == [cid] and store.list("bo@example.org") == []
    assert store.load(cid) == ("ana@example.org", msgs)  # a link opens it for anyone in the deployment
    store.save(cid, "bo@example.org", [{"role": "user", "content": "overwrite"}])  # not the owner: no change
    assert store.load(cid)[1] == msgs and store.load("nope") is None


def test_an_upload_in_the_export_says_what_it_is_and_its_title_stays_text():
    c = {"n": 1, "label": "Your upload: [portal](http://evil.example), ¶1", "jurisdiction": "JP", "kind": "user",
         "quote": "Fines apply.", "version": "your upload, not an official text; added by ana on 1 December 2026"}
    md = to_markdown([{"role": "user", "content": "q"},
                      {"role": "assistant", "content": "x", "answer": {"text": "Fines apply [1].", "citations": [c]}}])
    assert "your upload, not an official text; added by ana" in md
    assert "](http://evil.example)" not in md  # a document's link syntax stays text
