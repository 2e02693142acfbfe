"""The deterministic offline answerer: a one-line lead, then the best supporting
sentences of the retrieved provisions quoted verbatim, each with its [n].

No model writes anything here, so nothing can be invented: every quote is cut
from a chunk body (rag/citations.py) and the lead comes from
rag/data/templates.toml. Honesty rules:

- absence: a question about an aspect (penalties, labelling...) of a named law
  whose full text has none of that aspect's keywords is answered "the law
  contains no provisions on ..." plus its closest provisions — never another
  jurisdiction's rules;
- out of corpus: a law that is not indexed, or nothing relevant retrieved,
  gives an abstention naming what is indexed;
- several jurisdictions/laws: one section each, with its own citations.
"""
from __future__ import annotations

import math
import re
import time
import tomllib
from functools import lru_cache
from pathlib import Path

from rag.citations import CitationBook, Quote, law_name, provision_ref, sentence_spans
from rag.types import Answer, Chunk, Hit, Scope

_DATA = Path(__file__).resolve().parent / "data"
_CJK_RUN = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]+|[\uac00-\ud7af]{2,}")
_KANA = re.compile(r"[\u3040-\u30ff]")
_WORD = re.compile(r"[a-z0-9][a-z0-9\-']*[a-z0-9]|[a-z0-9]")
_NUMBER = re.compile(r"\d")
_MARKER = re.compile(r"^\s*(?:\(?\w{1,4}\)|\d{1,3}[a-z]?\.)\s")
_NUMERIC_ASPECTS = ("penalties", "dates")
_BINDING_KINDS = ("article", "section", "annex", "supplementary")
_STATUTE_KINDS = ("law", "translation", "consolidation")
MAX_HITS = 5  # sentences are taken from the top hits only: lower ranks are mostly noise
MAX_QUOTES, MAX_QUOTES_SECTION = 3, 2


@lru_cache(maxsize=1)
def templates() -> dict:
    return tomllib.loads((_DATA / "templates.toml").read_text(encoding="utf-8"))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in ("name", "label", "description") for s in _strings(v)]
    return []


@lru_cache(maxsize=1)
def aspect_keywords() -> dict[str, list[str]]:
    """aspect -> keywords (all languages): rag/data/aspects.toml, else the fallback in templates.toml."""
    path = _DATA / "aspects.toml"
    data: dict = {}
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            raw = {}
        raw = raw.get("aspects", raw) if isinstance(raw.get("aspects"), dict) else raw
        data = {k: _strings(v) for k, v in raw.items() if isinstance(v, dict | list)}
    fallback = templates().get("fallback_aspects", {})
    for k, v in fallback.items():
        data.setdefault(k, list(v))
    return {k: [w for w in v if w.strip()] for k, v in data.items() if v}


@lru_cache(maxsize=64)
def keyword_regex(words: tuple[str, ...]) -> re.Pattern | None:
    """Latin keywords match at a word start ("fine" not in "define"); CJK/Hangul anywhere."""
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w.strip())
        parts.append(rf"\b{esc}" if re.match(r"[A-Za-z0-9]", w.strip()) else esc)
    return re.compile("|".join(parts), re.I) if parts else None


def aspect_regex(aspect: str) -> re.Pattern | None:
    return keyword_regex(tuple(aspect_keywords().get(aspect, ())))


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(templates().get("lexicon", {}).get("stopwords", "").split())


def _stem(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w[:6]


def terms(text: str) -> set[str]:
    """Content terms: stemmed Latin words, and character bigrams of CJK/Hangul runs."""
    low = re.sub(r"['’]s\b", "", text.lower())  # "Japan's" is "japan"
    out = {_stem(w) for w in _WORD.findall(low) if len(w) > 2 and w not in _stopwords()}
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:  # a lone kanji is a verb stem ("置く", "誰"): it carries meaning
            out.add(run)
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def language_of(text: str, scope: Scope | None = None) -> str:
    lang = "ja" if _KANA.search(text) or (scope and scope.language == "ja") else "en"
    return lang if lang in templates() else "en"


@lru_cache(maxsize=64)
def aspect_terms(aspects: tuple[str, ...]) -> frozenset[str]:
    """The asked aspects' keywords as query terms: a question on "penalties" also wants "fines"."""
    out: set[str] = set()
    for a in aspects:
        for kw in aspect_keywords().get(a, []):
            out |= terms(kw)
    return frozenset(out)


def asked_aspects(question: str, scope: Scope) -> list[str]:
    """The scope's aspects plus those whose keywords the question itself uses."""
    found = list(scope.aspects)
    for aspect in aspect_keywords():
        rx = aspect_regex(aspect)
        if aspect not in found and rx and rx.search(question):
            found.append(aspect)
    return found


def law_display(chunk: Chunk, lang: str) -> str:
    if lang == "ja" and chunk.language == "ja" and " / " in chunk.law_title:
        return chunk.law_title.split(" / ", 1)[1].split(" — ")[0].strip()
    short, cite = chunk.short_name, law_name(chunk)
    return f"{short} ({cite})" if short and cite and short != cite else (short or cite)


def _prefer_language(hits: list[Hit], lang: str) -> list[Hit]:
    """One hit per provision, in the question's language when both languages were retrieved."""
    by_key: dict[tuple, list[Hit]] = {}
    for h in hits:
        c = h.chunk
        by_key.setdefault((c.law_id, c.unit_kind, c.article, c.paragraph), []).append(h)
    keep = set()
    for group in by_key.values():
        same = [h for h in group if h.chunk.language == lang]
        keep.add(id((same or group)[0]))
    return [h for h in hits if id(h) in keep]


def _candidates(hits: list[Hit], q_terms: set[str], aspect_rx: list[re.Pattern],
                number_bonus: bool = False) -> list[tuple[float, int, Quote]]:
    """(score, hit rank, quote) for every sentence of the top hits.

    Score: question terms in the sentence weighted by rarity among these sentences
    (words every provision of a law repeats, like "artificial intelligence-related
    technology", count little), plus bonuses for the asked aspect and for amounts/dates.
    """
    sents = []
    for rank, h in enumerate(hits[:MAX_HITS]):
        body = h.chunk.body
        for a, b in sentence_spans(body):
            s = body[a:b]
            if len(s) >= (4 if _CJK_RUN.search(s) and not s.isascii() else 12):
                sents.append((rank, Quote(h.chunk, a, b), s, terms(s) & q_terms))
    n = len(sents)
    df: dict[str, int] = {}
    for *_, ts in sents:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + (n + 1) / (d + 0.5)) for t, d in df.items()}
    unit = (sum(idf.values()) / len(idf)) if idf else 1.0
    out = []
    for rank, quote, s, ts in sents:
        score = sum(idf[t] for t in ts) / unit  # ~ number of shared terms, rare ones count more
        if quote.chunk.unit_kind not in _BINDING_KINDS:
            score *= 0.85  # recitals and bill digests explain; articles and sections bind
        if ts and any(rx.search(s) for rx in aspect_rx):
            score += 0.75
        if ts and number_bonus and _NUMBER.search(_MARKER.sub("", s, count=1)):
            score += 0.5  # amounts and dates are what penalty/date questions want
        out.append((score, rank, quote))
    return out


def select_quotes(question: str, hits: list[Hit], aspects: list[str], limit: int,
                  articles: list[str] | None = None) -> list[Quote]:
    """The best sentences of the top hits, in rank order; [] when none shares a term with the question."""
    q_terms = terms(question) | aspect_terms(tuple(aspects))
    rxs = [rx for rx in (aspect_regex(a) for a in aspects) if rx]
    cands = _candidates(hits, q_terms, rxs, number_bonus=any(a in _NUMERIC_ASPECTS for a in aspects))
    wanted = {a.split("(")[0] for a in (articles or [])}
    if not cands:
        return []
    top = max(c[0] for c in cands)
    if top <= 0:  # only an explicitly named article justifies quoting without any overlap
        firsts = [c for c in cands if c[2].chunk.article in wanted]
        return [c[2] for c in firsts[:1]]
    per_hit: dict[int, list[tuple[float, int, Quote]]] = {}
    for c in sorted(cands, key=lambda c: -c[0]):
        if c[0] > 0 and len(per_hit.setdefault(c[1], [])) < 2:  # at most two sentences of one provision
            per_hit[c[1]].append(c)
    # Rank: score, a small bonus for retrieval rank, and second sentences of a provision come later.
    chosen = sorted(((c, i) for cs in per_hit.values() for i, c in enumerate(cs)),
                    key=lambda ci: -(ci[0][0] + 0.3 / (ci[0][1] + 1) - 0.5 * ci[1]))
    chosen = [c for c, _ in chosen]
    chosen = [c for c in chosen if c[0] >= max(1.0, 0.6 * top) or c[2].chunk.article in wanted][:limit]
    return [c[2] for c in chosen]  # best first: the first quote is the answer


def absent_aspects(law_id: str, aspects: list[str], retriever) -> list[str]:
    """Asked aspects that the whole law (every chunk, every language) never mentions."""
    checkable = set(templates().get("absence", {}).get("aspects", []))
    asked = [a for a in aspects if a in checkable and aspect_regex(a)]
    if not asked or retriever is None or not hasattr(retriever, "law_chunks"):
        return []
    chunks = [c for c in retriever.law_chunks(law_id) if c.kind in _STATUTE_KINDS]
    if not chunks:
        return []  # nothing indexed: we cannot claim absence
    return [a for a in asked if not any(aspect_regex(a).search(c.body) for c in chunks)]


def closest_quotes(law_id: str, aspect: str, question: str, lang: str, retriever, hits: list[Hit]) -> list[Quote]:
    """The law's provisions nearest to a missing aspect (e.g. guidance/advice for penalties)."""
    words = templates().get("absence", {}).get("closest", {}).get(aspect, [])
    rx = keyword_regex(tuple(words))
    chunks = [c for c in retriever.law_chunks(law_id) if c.kind in _STATUTE_KINDS]
    same = [c for c in chunks if c.language == lang] or chunks
    q_terms = terms(question)
    scored = []
    for c in same:
        n = len({m.group(0).lower() for m in rx.finditer(c.body)}) if rx else 0
        if n:
            scored.append((n + 0.1 * len(q_terms & terms(c.body)), -c.seq, c))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    # The best match, and a second one only if it is about as close (two or more of the words).
    pseudo = [Hit(chunk=c, score=s) for i, (s, _, c) in enumerate(scored[:2]) if i == 0 or s >= 2]
    if not pseudo:
        return select_quotes(question, [h for h in hits if h.chunk.law_id == law_id], [], 2)
    out = []
    for h in pseudo:
        spans = sentence_spans(h.chunk.body)
        best = max(spans, key=lambda sp: len(rx.findall(h.chunk.body[sp[0]:sp[1]])))
        out.append(Quote(h.chunk, *best))
    return out


def _mentions(quotes: list[Quote], aspects: list[str]) -> bool:
    rxs = [rx for rx in (aspect_regex(a) for a in aspects) if rx]
    return not rxs or any(rx.search(q.text) for q in quotes for rx in rxs)


def aspect_hits(law_id: str, aspects: list[str], question: str, lang: str, retriever, n: int = 3) -> list[Hit]:
    """The law's chunks that use the asked aspects' keywords most (and share most words with the question)."""
    if not hasattr(retriever, "law_chunks"):
        return []
    rxs = [rx for rx in (aspect_regex(a) for a in aspects) if rx]
    chunks = [c for c in retriever.law_chunks(law_id) if c.kind in _STATUTE_KINDS]
    chunks = [c for c in chunks if c.language == lang] or chunks
    q_terms = terms(question)
    scored = []
    for c in chunks:
        k = sum(len({m.group(0).lower() for m in rx.finditer(c.body)}) for rx in rxs)
        if k:
            scored.append((k + len(q_terms & terms(c.body)), -c.seq, c))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [Hit(chunk=c, score=0.0, ranks={"aspect": i}) for i, (_, _, c) in enumerate(scored[:n])]


def _refs(quotes: list[Quote]) -> str:
    refs = list(dict.fromkeys(provision_ref(q.chunk, q.paragraph) for q in quotes))
    return ", ".join(r for r in refs if r) or "the quoted provisions"


def _quote_lines(quotes: list[Quote], book: CitationBook, t: dict) -> list[str]:
    return [t["quote"].format(quote=q.text, n=book.cite(q)) for q in quotes]


def _lead(t: dict, aspects: list[str], law: str, refs: str) -> str:
    for a in aspects:
        if a in t.get("leads", {}):
            return t["leads"][a].format(law=law, refs=refs)
    return t["lead"].format(law=law, refs=refs)


def _section(question: str, scope: Scope, law_id: str | None, hits: list[Hit], lang: str, retriever,
             book: CitationBook, limit: int, names: dict[str, str]) -> list[str] | None:
    """Lines answering for one law (or one jurisdiction when law_id is None); None if nothing relevant."""
    t = templates()[lang]
    aspects = asked_aspects(question, scope)
    if law_id:
        missing = absent_aspects(law_id, aspects, retriever)
        if missing:
            law = names.get(law_id) or law_id
            lines = []
            for a in missing:
                tpl = t.get("absence_by_aspect", {}).get(a, t["absence"])
                lines.append(tpl.format(law=law, aspect=t["aspect_names"].get(a, a)))
            quotes = closest_quotes(law_id, missing[0], question, lang, retriever, hits)
            if quotes:
                lines.append(t["closest"].format(refs=_refs(quotes)))
                lines += _quote_lines(quotes, book, t)
            return lines
    quotes = select_quotes(question, hits, aspects, limit, scope.articles)
    if law_id and aspects and not _mentions(quotes, aspects):
        # Retrieval missed the provisions on the asked aspect that the law does have: look them up.
        extra = aspect_hits(law_id, aspects, question, lang, retriever)
        quotes = select_quotes(question, extra + hits, aspects, limit, scope.articles) if extra else quotes
    if not quotes:
        return None
    laws = list(dict.fromkeys(names.get(q.chunk.law_id) or law_display(q.chunk, lang) for q in quotes))
    return [_lead(t, aspects, " / ".join(laws), _refs(quotes))] + _quote_lines(quotes, book, t)


def _name_map(hits: list[Hit], law_ids: list[str], lang: str, retriever) -> dict[str, str]:
    """law_id -> display name, from the law's own text (not a consolidation) in the answer language."""
    def pref(c: Chunk) -> tuple:  # the current text in the answer language, not "(as enacted)" or a consolidation
        return (c.language != lang, c.kind == "consolidation", c.kind not in _STATUTE_KINDS, len(c.short_name))

    best: dict[str, Chunk] = {}
    for c in [h.chunk for h in hits]:
        if c.law_id not in best or pref(c) < pref(best[c.law_id]):
            best[c.law_id] = c
    for lid in law_ids:
        if hasattr(retriever, "law_chunks"):
            for c in retriever.law_chunks(lid)[:200]:
                if lid not in best or pref(c) < pref(best[lid]):
                    best[lid] = c
    return {lid: law_display(c, lang) for lid, c in best.items()}


def abstain(question: str, scope: Scope, indexed: dict[str, list[str]] | None, lang: str,
            hits: list[Hit] | None = None) -> Answer:
    t = templates()[lang]
    if scope.unknown_laws:
        lines = [t["out_of_corpus_named"].format(what=", ".join(scope.unknown_laws))]
    else:
        lines = [t["out_of_corpus"]]
    if indexed:
        laws = "; ".join(f"{j}: {', '.join(ns)}" for j, ns in sorted(indexed.items()))
        lines.append(t["indexed"].format(laws=laws))
    return Answer(text="\n".join(lines), scope=scope, abstained=True, hits=list(hits or []))


def _jurisdiction(law_id: str | None, retriever) -> str:
    if not law_id or not hasattr(retriever, "law_chunks"):
        return ""
    chunks = retriever.law_chunks(law_id)
    return chunks[0].jurisdiction if chunks else ""


def _groups(scope: Scope, hits: list[Hit]) -> list[tuple[str | None, str, list[Hit]]]:
    """(law_id or None, jurisdiction, hits) per section, in the order the question named them."""
    if scope.law_ids:
        out = []
        for lid in scope.law_ids:
            hs = [h for h in hits if h.chunk.law_id == lid]
            out.append((lid, hs[0].chunk.jurisdiction if hs else "", hs))
        return out
    jurs = list(scope.jurisdictions) or list(dict.fromkeys(h.chunk.jurisdiction for h in hits[:MAX_HITS]))
    return [(None, j, [h for h in hits if h.chunk.jurisdiction == j]) for j in jurs]


def compose(question: str, scope: Scope, hits: list[Hit], *, retriever=None,
            indexed: dict[str, list[str]] | None = None) -> Answer:
    """Answer ``question`` from ``hits`` (see the module docstring); ``indexed``: jurisdiction -> law names."""
    t0 = time.perf_counter()
    lang = language_of(question, scope)
    asked = scope.resolved_question or question
    if scope.unknown_laws and not scope.law_ids:
        ans = abstain(question, scope, indexed, lang, hits)
        ans.timings = {"compose": time.perf_counter() - t0}
        return ans
    in_scope = [h for h in hits if (not scope.law_ids or h.chunk.law_id in scope.law_ids)
                and (not scope.jurisdictions or h.chunk.jurisdiction in scope.jurisdictions)]
    in_scope = _prefer_language(in_scope, lang)
    groups = _groups(scope, in_scope)
    names = _name_map(in_scope, scope.law_ids, lang, retriever)
    book = CitationBook()
    sections: list[tuple[str, list[str], bool]] = []  # (jurisdiction, lines, answered)
    many = len(groups) > 1 or scope.comparison
    for law_id, jur, hs in groups:
        if many and law_id and not hs and hasattr(retriever, "search"):
            # A comparison whose retrieval was dominated by one law: search this law alone.
            sub = Scope(law_ids=[law_id], aspects=scope.aspects, language=scope.language, articles=scope.articles)
            hs = _prefer_language(retriever.search(asked, sub, k=3), lang)
            hits = list(hits) + [h for h in hs if h not in hits]
        jur = jur or (hs[0].chunk.jurisdiction if hs else _jurisdiction(law_id, retriever))
        lines = _section(asked, scope, law_id, hs, lang, retriever, book,
                         MAX_QUOTES_SECTION if many else MAX_QUOTES, names)
        if lines:
            sections.append((jur, lines, True))
        elif law_id:
            sections.append((jur, [templates()[lang]["section_nothing"].format(law=names.get(law_id, law_id))], False))
    if not any(ok for _, _, ok in sections):
        if scope.law_ids and sections:  # the named law is indexed but nothing in it matches
            ans = Answer(text="\n".join(lines[0] for _, lines, _ in sections), scope=scope, abstained=True,
                         hits=list(hits))
        else:
            ans = abstain(question, scope, indexed, lang, hits)
    elif len(sections) == 1:
        ans = Answer(text="\n".join(sections[0][1]), citations=book.citations, scope=scope, hits=list(hits))
    else:
        parts = [templates()[lang]["comparison"]]
        for jur, lines, _ in sections:
            parts.append("\n".join([f"{jur} — {lines[0]}" if jur else lines[0], *lines[1:]]))
        ans = Answer(text="\n\n".join(parts), citations=book.citations, scope=scope, hits=list(hits))
    ans.timings = {"compose": time.perf_counter() - t0}
    return ans
