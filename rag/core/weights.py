"""The numbers that steer ranking and the answer's lead, read from one data file
(``Settings.weights_file``, default rag/data/weights.toml), fitted by ``regqa eval --fit``.

A plain value passed down from the Assistant to the retriever and the answerer, so a fitted file or a
test's own weights apply without touching module state. Every number is named for what it does; the file
has one table per stage ([fusion], [ranking], [rerank], [lead], [versions]).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass(frozen=True)
class Weights:
    # [fusion] how the retrievers' lists are fused (reciprocal rank fusion plus a little of the score)
    fusion_rrf_k: int = 60
    fusion_score_weight: float = 0.01  # rank alone hides a clear BM25 winner (102 vs 47)
    dense_weight_non_english: float = 0.4  # MiniLM reads English only
    lone_kanji_term_weight: float = 0.3  # a single CJK character of the question, in BM25
    aspect_term_weight: float = 0.35  # the asked aspect's keywords ("fine" for "penalties"), in BM25
    other_language_aspect_term_weight: float = 0.15  # the same keywords in the law's other languages
    synonym_term_weight: float = 0.6
    closest_term_weight: float = 1.0  # words of the nearest provisions when the law lacks the aspect
    # the question's words in the other language (rag/understand/bilingual.py), when a law in scope has no
    # text in the question's language
    translated_term_weight: float = 0.5
    # the multilingual (e5) vectors of laws with no English text, for an English question
    # (rag/index/crosslingual.py)
    crosslingual_dense_weight: float = 1.0
    # the same vectors of English-only laws' article openings, for a question in another language
    crosslingual_article_weight: float = 1.0
    # a word in at least this share of the index's chunks ("law", "apply") says nothing about a topic: a
    # sentence made only of such words is left out of the dense query when another sentence tells the story
    frame_word_chunk_share: float = 0.1
    # [ranking] factors of a chunk's fused score
    news_web_weight: float = 0.3  # news articles and web pages are context, not law
    recital_weight: float = 0.6  # unless the question asks for recitals
    page_weight: float = 0.5  # text without structure (page chunks)
    supplementary_weight: float = 0.7  # transitional clauses, unless the question asks "when"
    title_aspect_boost: float = 1.35  # the unit's caption names the asked aspect ("Penalties")
    heading_aspect_boost: float = 1.15  # its chapter heading does ("Penal Provisions")
    title_overlap_boost: float = 0.8  # times the question/caption word overlap (cosine), caption on the aspect
    title_overlap_off_aspect_boost: float = 0.4  # the same, when the caption is about another aspect
    same_language_boost: float = 1.1  # the provision in the question's language
    body_aspect_boost: float = 1.3  # the provision's text speaks of the asked aspect
    closest_provision_boost: float = 1.5  # the law lacks the aspect: its nearest provisions (guidance, ...)
    twin_jaccard: float = 0.6  # word overlap above which another version's unit is the same text (one kept)
    # [rerank]
    cross_encoder_weight: float = 0.0  # weight of the cross-encoder's rank when re-ranking (0: off)
    rrf_k: int = 60  # the rank-fusion constant of the re-ranking
    candidates: int = 20  # how many first hits the cross-encoder re-ranks
    # [quotes] a sentence's score: the question's terms in it (weighted by rarity, ~ number shared), plus these
    sentence_caption_weight: float = 0.5  # times the caption's shared terms (at most 3) x the share of it they are
    sentence_non_binding_factor: float = 0.7  # recitals and bill digests explain; articles and sections bind
    sentence_aspect_bonus: float = 0.75  # the sentence speaks of the asked aspect (a fine for "penalties")
    sentence_figure_bonus: float = 1.0  # it has the figure that answers the aspect (an amount, a date)
    sentence_defines_bonus: float = 1.5  # it defines the asked term ("'AI system' means ...")
    sentence_opening_bonus: float = 0.0  # it opens its paragraph (the rule, before its exceptions)
    sentence_rank_bonus: float = 0.3  # over (retrieval rank + 1) of its provision
    second_sentence_penalty: float = 0.5  # a provision's second quoted sentence, against its first
    sentences_per_provision: int = 2  # at most this many sentences of one provision are quoted
    quote_min_score: float = 1.0  # a sentence is quoted only from this score ...
    quote_min_share_of_best: float = 0.45  # ... and this share of the best sentence's
    sentence_judge_weight: float = 0.0  # times the cross-encoder's logit, added to a sentence's score when quoting
    # [lead]
    answers_min_logit: float = 0.0  # the lead claims an answer only at or above this cross-encoder logit
    # [versions]
    unofficial_consolidation_weight: float = 0.85  # a third-party consolidation, beside the official text
    older_version_weight: float = 0.9  # a provision a newer indexed version repeats unchanged
    current_when_earlier_asked_weight: float = 0.5  # a provision an older version words otherwise, when only that is asked

    @classmethod
    def load(cls, path: Path) -> Weights:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"{path}: not valid TOML ({e})") from e
        kw = {}
        for f in fields(cls):
            table = data.get(_TABLE[f.name], {})
            if f.name in table:
                kw[f.name] = (int if f.type == "int" else float)(table[f.name])
        unknown = {f"{t}.{k}" for t, v in data.items() if isinstance(v, dict) for k in v} - {
            f"{_TABLE[f.name]}.{f.name}" for f in fields(cls)}
        if unknown:
            raise ValueError(f"{path}: unknown weights {sorted(unknown)}")
        return cls(**kw)

    def to_toml(self, fitted_on: str = "") -> str:
        """The whole file, with what each number does (written by ``regqa eval --fit``)."""
        parts = [_HEADER.format(fitted=f"# Last fitted: {fitted_on}\n" if fitted_on else "")]
        for table, comment in _TABLES.items():
            parts.append(f"\n[{table}]\n{comment}")
            for f in fields(self):
                if _TABLE[f.name] == table:
                    parts += [*_NOTES.get(f.name, []), f"{f.name} = {getattr(self, f.name)}"]
        return "\n".join(parts) + "\n"


_TABLES = {
    "fusion": "# Dense (MiniLM) and BM25 lists are fused by 1/(fusion_rrf_k + rank) + fusion_score_weight x the\n"
              "# normalised score, the dense list weighted dense_weight_non_english for other languages. BM25 query\n"
              "# words: the question's at 1, the others at the weights below.",
    "ranking": "# Factors of a chunk's fused score (rag/retrieve/ranking.py boost, rag/retrieve/hybrid.py).",
    "rerank": "# The cross-encoder (ms-marco-MiniLM-L-12-v2) re-ranks the first `candidates` hits of an English\n"
              "# question: each hit's new score is 1/(rrf_k + regqa rank) + cross_encoder_weight/(rrf_k + cross-encoder\n"
              "# rank). 0 turns the re-ranking off (the cross-encoder still judges the lead, below).",
    "quotes": "# Which sentences of the top hits are quoted (rag/answer/offline/quotes.py sentence_score): a sentence's\n"
              "# score is the question's terms in it (weighted by rarity, about the number shared) plus the caption's\n"
              "# shared terms x sentence_caption_weight, times sentence_non_binding_factor for a recital or digest, plus\n"
              "# sentence_defines_bonus where it defines the asked term; a sentence sharing a term also gains the aspect,\n"
              "# figure, paragraph-opening and retrieval-rank (x 1/(rank+1)) bonuses and sentence_judge_weight x the\n"
              "# cross-encoder's logit (0: words only). `regqa eval --fit` fits the first seven as a conditional logit\n"
              "# over each dev question's candidate sentences (rag/evaluation/fit.py fit_quotes) and keeps them only\n"
              "# if they do better on held-back fifths of dev. Quoted: at most sentences_per_provision sentences of a\n"
              "# provision (each after its first second_sentence_penalty later), none below quote_min_score or\n"
              "# quote_min_share_of_best x the best; --fit tries a small grid of these three and moves them only\n"
              "# beyond noise.",
    "lead": "# The lead says \"X addresses this in Art. N\" only when the cross-encoder's logit for the question and\n"
            "# the first quoted provision is at least this; below it, \"No indexed provision clearly answers this.\n"
            "# The closest are ...\". Non-English questions (the model reads English only) keep the plain lead.\n"
            "# Fitted so that a false claim costs four times a missed one, and moved only beyond noise (rag/evaluation/fit.py).",
    "versions": "# Between two versions of a law that say a provision alike (rag/index/versions.py; a changed or repealed\n"
                "# provision of the older version is not retrieved at all): the retrieval score of the third-party\n"
                "# consolidation's text, and of the older version's text. With 0.85 < 0.9 the official text is quoted\n"
                "# where an amendment left a provision unchanged, and a newer translation before an older one. A question\n"
                "# about an earlier version only (\"as originally enacted\", no \"now\"): a provision that an older\n"
                "# version words otherwise scores current_when_earlier_asked_weight, below that older wording.",
}
# What one number does, written above it (so that a file written by --fit keeps what a reader needs).
_NOTES = {
    "translated_term_weight": [
        "# The question's words in the other language (JMdict, rag/understand/bilingual.py) when a law in scope",
        "# has no text in the question's language (the Japanese-only Penal Code for an English question)."],
    "crosslingual_dense_weight": [
        "# The multilingual (e5) vectors of the chunks of laws with no English text, fused like the dense list for",
        "# an English question when such a law is in scope (rag/index/crosslingual.py)."],
    "crosslingual_article_weight": [
        "# The same vectors of the openings of English-only laws' articles, for a question in another language."],
    "frame_word_chunk_share": [
        "# A word in at least this share of the chunks (\"law\" 15%, \"apply\" 12%) says nothing about a topic: a",
        "# sentence made only of such words (\"Which laws apply to that?\") is left out of the dense query when another",
        "# sentence of the question tells the story (rag/understand/focus.py). BM25 still reads the whole question."],
    "sentence_judge_weight": [
        "# Measured 2026-12-02: 0.3 raised dev [1]-is-gold .68->.70 but held-out facts fell .484->.479 and pass",
        "# .259->.253, at +110 ms p50: off until both sets agree."],
}
_TABLE = {f.name: t for t, names in {
    "fusion": ("fusion_rrf_k", "fusion_score_weight", "dense_weight_non_english", "lone_kanji_term_weight",
               "aspect_term_weight", "other_language_aspect_term_weight", "synonym_term_weight", "closest_term_weight",
               "translated_term_weight", "crosslingual_dense_weight", "crosslingual_article_weight",
               "frame_word_chunk_share"),
    "ranking": ("news_web_weight", "recital_weight", "page_weight", "supplementary_weight", "title_aspect_boost",
                "heading_aspect_boost", "title_overlap_boost", "title_overlap_off_aspect_boost", "same_language_boost",
                "body_aspect_boost", "closest_provision_boost", "twin_jaccard"),
    "rerank": ("cross_encoder_weight", "rrf_k", "candidates"),
    "quotes": ("sentence_caption_weight", "sentence_non_binding_factor", "sentence_aspect_bonus",
               "sentence_figure_bonus", "sentence_defines_bonus", "sentence_opening_bonus", "sentence_rank_bonus",
               "second_sentence_penalty", "sentences_per_provision", "quote_min_score", "quote_min_share_of_best", "sentence_judge_weight"),
    "lead": ("answers_min_logit",),
    "versions": ("unofficial_consolidation_weight", "older_version_weight", "current_when_earlier_asked_weight"),
}.items() for f in fields(Weights) if f.name in names}
_HEADER = """# Numbers that steer ranking and the answer's lead, named for what they do. `regqa eval --fit` fits
# [quotes], [rerank] and [lead] on the dev set (tests/eval/gold.jsonl), writes this file and prints the
# ablation; the other tables were set by hand against the dev set. Every number is checked on the held-out set
# (tests/eval/heldout.jsonl) by `regqa eval`, which is never used for fitting.
{fitted}"""
