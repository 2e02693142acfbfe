"""The [quotes] weights: a sentence's score from its named features, the choice of quotes that the fit replays,
and the fit itself (rag/evaluation/fit.py) on hand-made candidates."""
from __future__ import annotations

from dataclasses import replace

from rag.answer.offline.compose import compose
from rag.answer.offline.quotes import Candidate, QuoteChoice, choose, sentence_score
from rag.core.citations import Quote
from rag.core.text import sentence_spans
from rag.core.types import Hit, Scope
from rag.core.weights import Weights
from rag.evaluation import fit as F
from rag.evaluation.goldset import GoldRef
from tests.test_compose import ChunkList, chunk

FEATURES = dict(terms=2.0, caption=1.0, shares=1.0, non_binding=0.0, aspect=1.0, figure=1.0, defines=0.0,
                opening=1.0, rank=0.5)


def test_a_sentence_s_score_is_its_terms_plus_the_named_weights_of_its_features():
    w = Weights(sentence_caption_weight=0.5, sentence_aspect_bonus=0.75, sentence_figure_bonus=1.0,
                sentence_opening_bonus=0.25, sentence_rank_bonus=0.3)
    assert sentence_score(FEATURES, w) == 2.0 + 0.5 + 0.75 + 1.0 + 0.25 + 0.3 * 0.5
    # a recital's terms and caption count at the non-binding factor; the bonuses are not scaled
    assert sentence_score({**FEATURES, "non_binding": 1.0}, replace(w, sentence_non_binding_factor=0.5)) == (
        (2.0 + 0.5) * 0.5 + 0.75 + 1.0 + 0.25 + 0.15)
    # a sentence that shares no term with the question gets no bonus for being on the aspect
    assert sentence_score({**FEATURES, "terms": 0.0, "shares": 0.0}, w) == 0.5


def test_the_recorded_choice_replays_the_quotes_of_the_answer():
    body = ("1. Deployers shall retain the logs for a period of at least six months.\n"
            "2. Deployers that keep the logs of the system as part of their financial documentation need not keep "
            "the logs of the system separately.")
    c = chunk("eu", "eu-ai", "26", body, jur="EU", cite="Regulation (EU) 2024/1689", short="EU AI Act", seq=26)
    log: list = []
    ans = compose("How long must deployers keep the logs of the system?", Scope(law_ids=["eu-ai"], jurisdictions=["EU"]),
                  [Hit(c, 1.0)], retriever=ChunkList([c]), quote_log=log)
    assert log and isinstance(log[0], QuoteChoice)
    replayed = choose(log[0].cands, Weights(), log[0].wanted, log[0].limit)
    assert replayed and all(q.text in ans.text for q in replayed)
    assert [q.text for q in replayed][0] in ans.text.split("[2]")[0]  # and in the same order


def _group(fact_first: bool) -> F._Group:
    """Two provisions: the gold one's figure sentence states the fact but shares fewer words than the other
    provision's sentence, which repeats the question."""
    import numpy as np

    gold = chunk("eu", "eu-ai", "99", "Fines of up to EUR 35 000 000 apply.", jur="EU", seq=99)
    other = chunk("eu", "eu-ai", "5", "The prohibited AI practices in this Article are prohibited practices.",
                  jur="EU", seq=5)
    cands = []
    for rank, (c, feats) in enumerate([(other, dict(terms=3.0, figure=0.0)), (gold, dict(terms=1.5, figure=1.0))]):
        a, b = sentence_spans(c.body)[0]
        cands.append(Candidate(rank, Quote(c, a, b), {**FEATURES, "aspect": 0.0, "opening": 0.0, "caption": 0.0,
                                                      "rank": 1.0 / (rank + 1), **feats}))
    if fact_first:
        cands.reverse()
    refs = [GoldRef(doc="eu.xml", article="99")]
    names = ("terms", "shares", "judge", *F.QUOTE_FEATURES)
    f = {n: np.array([c.features.get(n, 0.0) for c in cands]) for n in names}
    pos = np.array([c.quote.chunk.article == "99" for c in cands])
    return F._Group(QuoteChoice(cands, frozenset(), 1), [[r"EUR 35"]], f, pos, pos.copy(), refs)


def test_the_fit_raises_the_weight_of_the_feature_that_picks_the_stated_fact():
    groups = [_group(i % 2 == 0) for i in range(8)]
    base = Weights(sentence_figure_bonus=0.5)
    before = F._quote_row("current", groups, base)
    fitted = F._fitted(groups, base)
    after = F._quote_row("fitted", groups, fitted)
    assert before.facts_quoted == 0.0 and before.first_gold == 0.0  # the repeating sentence wins on words
    assert fitted.sentence_figure_bonus > base.sentence_figure_bonus
    assert after.facts_quoted == 1.0 and after.first_states_fact == 1.0


def test_the_lead_threshold_moves_only_beyond_noise_and_weighs_false_claims_more():
    # gold answers at logits 5..9, non-gold at 0..4: a clean cut at 5 is far better than claiming from -10
    clean = [(float(x), x >= 5) for x in range(10)] * 5
    assert F.lead_threshold(clean, -10.0) == round(5.0 - 1e-3, 3)
    # one question's worth of difference is noise: the current threshold stays
    flat = [(1.0, True), (2.0, False)] * 3 + [(3.0, True)]
    assert F.lead_threshold(flat, 2.5) == 2.5
    # a threshold that claims for a non-gold passage costs FALSE_CLAIM_COST: one false claim outweighs a
    # missed claim, so with as many of each below a cut, the cut is kept above them
    mixed = [(1.0, True), (1.0, False)] * 20 + [(8.0, True)] * 20
    assert F.lead_threshold(mixed, -5.0) == round(8.0 - 1e-3, 3)


def test_the_amount_quoted_moves_only_when_more_of_a_provision_states_more_facts():
    import numpy as np

    body = "Providers shall keep logs. Providers shall keep records. Providers shall report within 15 days."
    c = chunk("eu", "eu-ai", "73", body, jur="EU", seq=73)
    cands = [Candidate(0, Quote(c, a, b), {**FEATURES, "terms": 3.0 - i * 0.5, "figure": 0.0, "aspect": 0.0})
             for i, (a, b) in enumerate(sentence_spans(body))]

    def group():
        f = {n: np.array([x.features.get(n, 0.0) for x in cands]) for n in ("terms", "shares", "judge", *F.QUOTE_FEATURES)}
        ones = np.ones(len(cands), dtype=bool)
        return F._Group(QuoteChoice(cands, frozenset(), 4), [[r"15 days"]], f, ones, ones, [GoldRef("eu.xml", "73")], [])

    w = Weights()
    assert w.sentences_per_provision == 2 and F._per_question([group()], w) == [0.0]  # the third is cut
    moved = F._grid([group() for _ in range(30)], w)
    assert moved.sentences_per_provision == 3
    # a must_not the extra sentence matches (it states something wrong): the amount stays
    wrong = [replace(group(), must_not=[r"15 days"]) for _ in range(30)]
    assert F._grid(wrong, w).sentences_per_provision == 2
