"""BM25 tokenisation: English stemming, CJK bigrams, Hangul, language detection."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.core.text import detect_language, stem, tokenize


def test_english_words_are_lowercased_stemmed_and_stopwords_dropped():
    toks = tokenize("What Penalties does the Act impose on Providers?")
    assert "penalti" in toks and "provider" in toks and "impos" in toks
    assert "what" not in toks and "the" not in toks


@pytest.mark.parametrize("a,b", [("fines", "fine"), ("fined", "fine"), ("penalties", "penalty"), ("requires", "required"),
                                 ("obligations", "obligation"), ("labelled", "label")])
def test_word_forms_meet(a, b):
    assert stem(a) == stem(b)


def test_article_numbers_and_decimals_survive():
    toks = tokenize("Art. 99(3) and § 22757.2; Article 26-2")
    assert {"99", "3", "22757.2", "26-2"} <= set(toks)


def test_japanese_bigrams_and_kanji_unigrams():
    toks = tokenize("人工知能戦略本部の副本部長")
    assert "副本" in toks and "本部" in toks and "部長" in toks and "戦略" in toks
    assert "副" in toks  # lone kanji kept (weighted down at query time)
    assert "の副" in toks and not any(t == "の" for t in toks)


def test_hiragana_only_bigrams_are_dropped():
    assert "しな" not in tokenize("しなければならない") and "なら" not in tokenize("しなければならない")


def test_full_width_ascii_is_folded():
    assert "ai" in tokenize("ＡＩ法") and "2025" in tokenize("２０２５年")


def test_korean_bigrams():
    toks = tokenize("인공지능 기본법 제31조")
    assert "인공" in toks and "지능" in toks and "기본법" in toks and "31" in toks


@pytest.mark.parametrize("text,lang", [("AI推進法の罰則は？", "ja"), ("人工知能戦略本部はどこに置かれますか？", "ja"),
                                       ("인공지능 기본법의 과태료는?", "ko"), ("个人信息保护法的罚款是多少？", "zh"),
                                       ("What are the fines under the GDPR?", "en")])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_empty_text():
    assert tokenize("") == [] and tokenize("   ") == []


def test_kanji_numerals_round_trip():
    from rag.core.numerals import cjk_to_int, int_to_kanji

    for n in (1, 7, 10, 16, 26, 100, 103, 185, 1200, 9999):
        assert cjk_to_int(int_to_kanji(n)) == n
    assert int_to_kanji(26) == "二十六" and int_to_kanji(103) == "百三"


def test_japanese_answers_cite_the_japanese_numbering():
    from rag.core.citations import provision_ref
    from rag.core.types import Chunk

    ja = Chunk(chunk_id="x", doc_id="d", law_id="l", text="", body="", language="ja", article="7", label="第七条")
    assert provision_ref(ja, "2", "ja") == "第七条第二項" and provision_ref(ja, "", "ja") == "第七条"
    assert provision_ref(ja, "2") == "Art. 7(2)"  # English answers keep "Art."


def test_inline_subsections_of_a_pdf_section_are_told_apart():
    from rag.core.citations import paragraph_of
    from rag.core.types import Chunk

    body = ("Effective date - applicability. (1) Except as otherwise provided in subsection (2) of this section, this "
            "act takes effect January 1, 2027. (2) Sections 6-1-1704 (4) take effect upon passage.")
    c = Chunk(chunk_id="x", doc_id="d", law_id="l", text="", body=body, unit_kind="section", article="SEC. 5")
    assert paragraph_of(c, body.index("(1) Except")) == "1"
    assert paragraph_of(c, body.index("(2) Sections")) == "2"  # not stitched to (1) under one label
    assert paragraph_of(c, 0) == ""  # the caption belongs to no subsection
    # a cross-reference inside a sentence ("subsection (2) of this section") opens nothing
    assert paragraph_of(c, body.index("this act takes")) == "1"


_SENTENCE_TEXT = st.lists(st.sampled_from(list("aAZ1 .!?。！？()[]「」（）\n\t,;:") + ["Art.", "e.g.", " [1]", "[2, 3]"]),
                          max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_SENTENCE_TEXT, answer=st.booleans())
def test_sentence_pieces_rebuild_the_text_and_trim_to_the_spans(text, answer):
    """One splitter, two views: the pieces (whitespace kept) join back to the text, and the spans are those
    pieces without their surrounding whitespace."""
    from rag.core.text import sentence_pieces, sentence_spans

    pieces = sentence_pieces(text, answer=answer)
    assert "".join(pieces) == text
    assert [text[a:b] for a, b in sentence_spans(text, answer=answer)] == [p.strip() for p in pieces if p.strip()]
