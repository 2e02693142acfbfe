"""rag/answer/offline/lists.py on hand-made provisions in the list formats of the corpus: EUR-Lex "(a)" with roman
sub-items, e-Gov "一" items after "次に掲げる", the Japanese Law Translation's "(i)" items after
"the following items", Korean "1." items after "as follows: <Amended ...>"."""
from __future__ import annotations

from rag.answer.offline.lists import first_item_style, is_lead_in, lead_in, list_items, position
from rag.core.citations import Quote
from rag.core.types import Chunk


def chunk(body, *, article="1", seq=1, para="", doc="d"):
    return Chunk(chunk_id=f"{doc}:x:{seq}", doc_id=doc, law_id="law", text=body, body=body, article=article,
                 paragraph=para, seq=seq)


def law_of(*chunks):
    """law_id -> chunks, as HybridRetriever.law_chunks answers it."""
    return lambda law_id: [c for c in chunks if c.law_id == law_id]


def sentence(c, text):
    start = c.body.index(text)
    return Quote(c, start, start + len(text))


def test_item_styles_and_positions():
    assert position("(c) keep logs;", "letter") == 3
    assert position("(iv) a file;", "roman") == 4 and position("(ix) a file;", "roman") == 9
    assert position("二 第百八十二条 同条の罰金刑", "kanji") == 2 and position("十二 その他", "kanji") == 12
    assert position("（三）其他", "zh") == 3 and position("b. Production of water", "letterdot") == 2
    assert position("The national government", "dot") is None
    assert first_item_style("(i) Articles 178 and 179: a fine") == "roman"  # not the ninth letter
    assert first_item_style("(a) ensure") == "letter" and first_item_style("(b) ensure") is None


def test_lead_ins_with_and_without_a_colon():
    assert is_lead_in("Providers of high-risk AI systems shall:")
    assert is_lead_in("The terms used in this Act are defined as follows: <Amended on Jan. 20, 2026>")
    assert is_lead_in("次に掲げる電磁的記録その他の記録を作成し、又は提供した者は、三年以下の拘禁刑に処する。")
    assert is_lead_in("the corporation is subject to a fine set forth in the following items.")
    assert not is_lead_in("Providers shall keep the logs.")


def test_japanese_items_after_a_lead_in_sentence_end_at_the_next_paragraph():
    c = chunk("正当な理由がないのに、次に掲げる電磁的記録を作成した者は、三年以下の拘禁刑に処する。\n"
              "一 不正な指令を与える電磁的記録\n二 前号に掲げるもののほか、同号の不正な指令を記述した電磁的記録\n"
              "前項の罪の未遂は、罰する。\n一 別の号")
    lead = sentence(c, "正当な理由がないのに、次に掲げる電磁的記録を作成した者は、三年以下の拘禁刑に処する。")
    got, items, more = list_items([lead], law_of(c))
    assert got is lead and more == 0
    assert [i.text for i in items] == ["一 不正な指令を与える電磁的記録", "二 前号に掲げるもののほか、同号の不正な指令を記述した電磁的記録"]


def test_translation_items_in_roman_numerals_are_cited_to_the_lead_in():
    c = chunk("A corporation is subject to a fine set forth in the following items.\n(i) Articles 178 and 179: a "
              "fine of not more than 100 million yen;\n(ii) Article 182: a fine set forth in that Article.", para="1")
    _, items, _ = list_items([sentence(c, "A corporation is subject to a fine set forth in the following items.")], law_of(c))
    assert [i.text[:4] for i in items] == ["(i) ", "(ii)"]
    assert "100 million yen" in items[0].text and {i.paragraph for i in items} == {"1"}


def test_items_are_capped_and_counted_and_long_items_clipped():
    body = "Members shall:\n" + "\n".join(f"({chr(97 + i)}) do thing number {i} " + "with care " * 40 + ";"
                                          for i in range(15))
    c = chunk(body)
    lead = Quote(c, 0, len("Members shall:"))  # runs on over item (a)
    _, items, more = list_items([lead], law_of(c))
    assert len(items) == 12 and more == 2  # (b) .. (m) shown, (n) and (o) counted
    assert all(len(i.text) <= 222 and i.text.endswith(" …") for i in items)


def test_lead_in_of_a_quoted_point_is_found_in_an_earlier_chunk_but_not_across_paragraphs():
    a = chunk("1. Providers shall:\n(a) keep logs;\n(b) report incidents;", seq=1)
    b = chunk("(c) cooperate with authorities;\n2. Deployers shall inform workers.\n(d) not in a list", seq=2)
    assert lead_in(sentence(b, "(c) cooperate with authorities;"), [a, b]).text.startswith("1. Providers shall:")
    assert lead_in(sentence(b, "(d) not in a list"), [a, b]) is None  # "2. Deployers ..." lies between
    assert lead_in(sentence(b, "2. Deployers shall inform workers."), [a, b]) is None  # not an item
    other = chunk("(c) cooperate with authorities;", seq=2, doc="another-version")
    assert lead_in(sentence(other, "(c) cooperate with authorities;"), [a, other]) is None


def test_definition_question_expands_only_the_list_of_the_asked_term():
    from rag.understand.lexicon import terms

    c = chunk("この法律において「仮名加工情報」とは、次の各号に掲げる措置を講じて得られる情報をいう。\n一 記述等の削除\n二 符号の削除")
    lead = sentence(c, "この法律において「仮名加工情報」とは、次の各号に掲げる措置を講じて得られる情報をいう。")
    assert list_items([lead], law_of(c), asked=terms("「個人情報」の定義は？"))[1] == []
    assert len(list_items([lead], law_of(c), asked=terms("「仮名加工情報」の定義は？"))[1]) == 2
    assert len(list_items([lead], law_of(c))[1]) == 2  # not a definition question: any list


def test_a_list_run_into_one_line_of_page_text_continues_after_the_quoted_item():
    c = chunk("A person who suffers injury may bring a civil action to recover all of the following relief: (a) "
              "Injunctive relief. (b) Damages of one thousand dollars ($1,000) per violation. (c) Attorney's fees.")
    q = sentence(c, "A person who suffers injury may bring a civil action to recover all of the following relief: "
                    "(a) Injunctive relief.")
    _, items, _ = list_items([q], law_of(c))
    assert len(items) == 1 and items[0].text.startswith("(b) Damages of one thousand dollars ($1,000)")
    assert "(c) Attorney's fees." in items[0].text
    no_list = chunk("The court may award damages: actual damages or statutory damages.")
    assert list_items([sentence(no_list, no_list.body)], law_of(no_list))[1] == []
