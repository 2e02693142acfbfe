"""Question understanding: which laws, jurisdictions, articles and aspects a question is
about, in which language, whether it compares laws, and which named laws are not indexed.

    scope = understand("what penalties does Japan's AI law carry?", catalog=LawCatalog.load())
    scope.law_ids == ["jp-ai-promotion-act"]; scope.aspects == ["penalties"]

Follow-ups ("And what about fines there?", "What about Korea?", "じゃあ副本部長は？") are
resolved against the chat history by rag/understand/conversation.py.
"""
from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from functools import lru_cache

from rag.core.numerals import cjk_to_int
from rag.core.resources import DEFAULT, Resources
from rag.core.text import detect_language, tokenize
from rag.core.types import Scope
from rag.understand.catalog import LawCatalog
from rag.understand.conversation import Parsed, looks_like_followup, previous_scope, resolve_text
from rag.understand.names import law_phrases

log = logging.getLogger(__name__)

_COMPARE = re.compile(r"\bcompar|\bvs\.?(?![a-z])|\bversus\b|\bdifferen|\bdiffer\b|\bboth\b|比較|違い|異な|비교|차이|区别|对比|比较",
                      re.I)
_SURVEY = re.compile(r"\b(which|what|any|applicable)\s+(other\s+)?(laws?|rules|regulations|statutes|legislation)\b|"
                     r"\blaws?\s+(apply|applies|cover|govern)|どの法律|どんな法律|適用される法|関係する法律|어떤 법", re.I)
_NUM = r"[0-9０-９〇一二三四五六七八九十百千两]+"

_ART_EN = re.compile(r"(?<![A-Za-z])(?:articles?|arts?\.?)\s*(\d+[a-zA-Z]?(?:[-.]\d+)*)((?:\s*\(\d+\))*)"
                     r"((?:\s*(?:,|and|&|or)\s*\d+[a-zA-Z]?(?:\(\d+\))?)*)", re.I)
_SECTION = re.compile(r"(?:§§?|\bsections?\b|\bsecs?\.)\s*(\d+(?:\.\d+)*(?:-\d+)*)", re.I)
_ANNEX = re.compile(r"\bannex\s+([IVXL]+)\b", re.I)
_ART_JA = re.compile(rf"第\s*({_NUM})\s*条(?:\s*の\s*({_NUM}))?(?:\s*第\s*({_NUM})\s*項)?")
_ART_KO = re.compile(r"제\s*(\d+)\s*조(?:\s*의\s*(\d+))?(?:\s*제\s*(\d+)\s*항)?")


def kanji_number(text: str) -> int | None:
    """"十六" -> 16, "二十六" -> 26, "百八十四" -> 184, "16"/"１６" -> 16; None when it is no numeral."""
    try:
        return cjk_to_int(text)
    except ValueError:
        return None


def find_articles(text: str) -> list[str]:
    """Explicit provision references: "99(3)", "16", "26-2", "22757.2", "III"."""
    out: list[str] = []

    def add(ref: str) -> None:
        if ref and ref not in out:
            out.append(ref)

    for m in _ART_EN.finditer(text):
        paras = re.findall(r"\((\d+)\)", m.group(2) or "")
        add(m.group(1) + (f"({paras[0]})" if paras else ""))
        for extra in re.findall(r"(\d+[a-zA-Z]?(?:\(\d+\))?)", m.group(3) or ""):
            add(extra)
    for m in _SECTION.finditer(text):
        add(m.group(1))
    for m in _ANNEX.finditer(text):
        add(m.group(1).upper())
    for m in _ART_JA.finditer(text):
        n, sub, para = (kanji_number(g) if g else None for g in m.groups())
        if n is not None:
            add(f"{n}" + (f"-{sub}" if sub else "") + (f"({para})" if para else ""))
    for m in _ART_KO.finditer(text):
        n, sub, para = m.groups()
        add(f"{int(n)}" + (f"-{int(sub)}" if sub else "") + (f"({int(para)})" if para else ""))
    return out


# The caches below derive from aspects.toml: each is keyed by the Resources it was read from.
@lru_cache(maxsize=4)
def aspect_lexicon(res: Resources = DEFAULT) -> dict[str, list[str]]:
    return {name: [w for lang in ("en", "ja", "ko", "zh") for w in entry.get(lang, [])]
            for name, entry in aspect_table(res).items() if isinstance(entry, dict)}


@lru_cache(maxsize=64)
def _aspect_rx(aspect: str, res: Resources = DEFAULT) -> re.Pattern | None:
    parts = []
    for w in sorted(set(aspect_lexicon(res).get(aspect, [])), key=len, reverse=True):
        esc = re.escape(w)
        parts.append(rf"(?<![a-z]){esc}" if re.match(r"[A-Za-z]", w) else esc)
    return re.compile("|".join(parts), re.I) if parts else None


_DEFINE_Q = re.compile(r"\bwhat (?:is|are|counts as)\s+(?:an?\s+|the\s+)?['\"‘“「]|「[^」]+」とは", re.I)


@lru_cache(maxsize=4)
def _keyword_vocab(res: Resources = DEFAULT) -> tuple[str, ...]:
    return tuple(sorted({w.lower() for ws in aspect_lexicon(res).values() for w in ws if w.isascii() and w.isalpha()}))


def _fix_typos(text: str, res: Resources = DEFAULT) -> str:
    """Misspelt aspect keywords spelt right ("definiton" -> "definition", "penalites" -> "penalties"):
    staff type fast. Only words of 6+ letters that are not keywords themselves, and only close matches."""
    vocab = _keyword_vocab(res)

    def fix(m: re.Match) -> str:
        w = m.group(0)
        if w.lower() in vocab:
            return w
        close = difflib.get_close_matches(w.lower(), vocab, n=1, cutoff=0.85)
        return close[0] if close else w
    return re.sub(r"[A-Za-z]{6,}", fix, text)


@lru_cache(maxsize=64)
def _words_rx(table: str, name: str = "", res: Resources = DEFAULT) -> re.Pattern | None:
    """One regex of the words of a table of aspects.toml (``[history]``, ``[asking.dates]``), and of its
    ``patterns`` (regular expressions: the grammar of asking, e.g. an interrogative "when does")."""
    entry = _aspect_file(res).get(table, {})
    entry = entry.get(name, {}) if name else entry
    words = sorted({w for lang in ("en", "ja", "ko", "zh") for w in entry.get(lang, [])}, key=len, reverse=True)
    parts = [rf"(?<![a-z]){re.escape(w)}" if re.match(r"[A-Za-z]", w) else re.escape(w) for w in words]
    parts += [f"(?:{p})" for p in entry.get("patterns", [])]
    return re.compile("|".join(parts), re.I | re.M) if parts else None


def _asks(table: str, text: str, res: Resources) -> bool:
    rx = _words_rx(table, res=res)
    return bool(rx and rx.search(text or ""))


def asks_history(text: str, res: Resources = DEFAULT) -> bool:
    """Whether the question is about an earlier version ("as originally enacted", "before the amendment")."""
    return _asks("history", text, res)


def asks_current(text: str, res: Resources = DEFAULT) -> bool:
    """Whether the question also asks about the version in force ("now", "as amended", "現行"): a question
    about an earlier version that does not is answered from the earlier text first."""
    return _asks("current", text, res)


def asks_until(text: str, res: Resources = DEFAULT) -> bool:
    """Whether the question asks when something ends ("until when", "does it expire", "sunset", まで)."""
    return _asks("until", text, res)


@lru_cache(maxsize=4)
def _about_patterns(res: Resources = DEFAULT) -> list[re.Pattern]:
    return [re.compile(p, re.I) for p in _aspect_file(res).get("about", {}).get("patterns", [])]


def asked_topic(text: str, res: Resources = DEFAULT) -> str:
    """The topic a question asks what a text says about ("What does X say about watermarks?" -> "watermarks";
    ``[about]`` in aspects.toml, the grammar of such questions); "" for any other question."""
    for rx in _about_patterns(res):
        m = rx.search(text or "")
        if m:
            return m.group(1).strip()
    return ""


def find_aspects(text: str, res: Resources = DEFAULT) -> list[str]:
    """Aspects whose keywords the text uses (or that it asks about in the words of [asking]), in
    aspects.toml order."""
    text = _fix_typos(text, res)
    asking = _aspect_file(res).get("asking", {})
    found = [a for a in aspect_lexicon(res) if ((rx := _aspect_rx(a, res)) and rx.search(text))
             or (a in asking and (arx := _words_rx("asking", a, res)) and arx.search(text))]
    if _DEFINE_Q.search(text) and "definitions" not in found:
        found.insert(0, "definitions")  # "What is 'personal data'?"
    return found


def aspect_keywords(aspect: str, language: str | None = None, res: Resources = DEFAULT) -> list[str]:
    entry = aspect_table(res).get(aspect, {})
    if language:
        return list(entry.get(language, []))
    return [w for lang in ("en", "ja", "ko", "zh") for w in entry.get(lang, [])]


def _aspect_file(res: Resources = DEFAULT) -> dict:
    return res.toml("aspects.toml")


def aspect_table(res: Resources = DEFAULT) -> dict:
    """aspect -> its entry of aspects.toml [aspects] (keywords per language, label)."""
    return _aspect_file(res).get("aspects", {})


@lru_cache(maxsize=64)
def figure_regex(aspect: str, res: Resources = DEFAULT) -> re.Pattern | None:
    """Figures that answer ``aspect`` (aspects.toml [figures]): amounts for penalties, dates for dates."""
    pat = _aspect_file(res).get("figures", {}).get(aspect)
    return re.compile(pat, re.I) if pat else None


@lru_cache(maxsize=4)
def _defining_rx(res: Resources = DEFAULT) -> list[re.Pattern]:
    return [re.compile(p) for p in _aspect_file(res).get("defined_term", {}).get("patterns", [])]


def defined_terms(sentence: str, res: Resources = DEFAULT) -> list[str]:
    """Terms a sentence defines (aspects.toml [defined_term]): "‘deployer’ means ..." -> ["deployer"]."""
    return [m.group("term") for rx in _defining_rx(res) for m in rx.finditer(sentence)]


def closest_words(aspect: str, res: Resources = DEFAULT) -> list[str]:
    """Words of the provisions nearest to an aspect the law lacks (aspects.toml [closest])."""
    return list(_aspect_file(res).get("closest", {}).get(aspect, []))


def synonym_words(text: str, res: Resources = DEFAULT) -> list[str]:
    """Statute wording for question words (aspects.toml [synonyms])."""
    low, out = text.lower(), []
    for word, extra in _aspect_file(res).get("synonyms", {}).items():
        rx = rf"(?<![a-z]){re.escape(word)}(?![a-z])" if re.match(r"[a-z]", word) else re.escape(word)
        if re.search(rx, low):
            out += extra
    return out


def analyse(text: str, catalog: LawCatalog) -> Parsed:
    """What ``text`` names by itself: laws (by alias or country + topic), jurisdictions, ..."""
    p = Parsed(text=text)
    p.explicit_laws = catalog.find_laws(text) or catalog.own_documents(text)
    p.law_ids = list(p.explicit_laws)
    p.jurisdictions = catalog.find_jurisdictions(text)
    p.topics = catalog.find_topics(text)
    p.aspects = find_aspects(text)
    p.articles = find_articles(text)
    p.unknown_laws = catalog.find_not_indexed(text)
    jurs = list(p.jurisdictions)
    if not jurs and not p.law_ids and (implicit := catalog.implicit_jurisdiction(detect_language(text))):
        jurs = [implicit]  # "侮辱罪の法定刑は？": a Japanese question about an unnamed law means Japanese law
    if not p.unknown_laws:
        covered = {catalog.laws[lid].jurisdiction for lid in p.law_ids if lid in catalog.laws}
        for jur in jurs:
            if jur in covered:
                continue
            statutes = catalog.laws_in(jur)
            if len(statutes) == 1:  # the one law indexed for the country named
                p.law_ids += [lid for lid in statutes if lid not in p.law_ids]
                continue
            for topic in p.topics:
                found = catalog.default_laws(jur, topic)
                if found:
                    p.law_ids += [lid for lid in found if lid not in p.law_ids]
                    break
    return p


def _switch(prev: Parsed, own: Parsed, catalog: LawCatalog) -> tuple[list[str], list[str]]:
    """"What about Korea?": the earlier topic, in the newly named jurisdiction(s)."""
    topics = own.topics or [catalog.laws[lid].topic for lid in prev.law_ids if lid in catalog.laws] or prev.topics
    laws, missing = [], []
    for jur in own.jurisdictions:
        found = next((catalog.default_laws(jur, t) for t in topics if catalog.default_laws(jur, t)), [])
        if found:
            laws += found
        elif topics:
            missing.append(f"{catalog.jurisdiction_name(jur)} ({topics[0]} law not indexed)")
    return laws, missing


def _follow_up(q: str, history: list[dict] | None, own: Parsed, prev: Parsed, scope: Scope, catalog: LawCatalog,
               laws: list[str], jurs: list[str]) -> tuple[list[str], list[str]]:
    """The laws and jurisdictions of a question read with the earlier turn (``prev``), when it is a follow-up;
    ``scope`` gets the earlier aspects, the resolved question and source "history". Else ``laws, jurs``."""
    if not own.names_something:
        # "Who chairs it?", "それの罰則は？": everything comes from the earlier turn.
        laws, jurs = list(prev.law_ids), list(prev.jurisdictions)
        scope.unknown_laws = list(prev.unknown_laws)
        if not tokenize(catalog.strip_names(q)):
            # "And the other one?" asks the earlier question again; "and what can the government do?" asks
            # something new about the same law: it keeps the law, not the earlier aspect (penalties), or the
            # answer would repeat the earlier one.
            scope.aspects = scope.aspects or list(prev.aspects)
        scope.articles = scope.articles or ([] if own.aspects else list(prev.articles))
    elif own.explicit_laws and _COMPARE.search(q) and prev.law_ids and not set(own.law_ids) & set(prev.law_ids):
        # "Compare that with the EU AI Act's fines": the earlier law(s) and topic beside the newly named one.
        laws = list(dict.fromkeys(prev.law_ids + own.law_ids))
        jurs = list(dict.fromkeys(prev.jurisdictions + own.jurisdictions))
        scope.aspects = scope.aspects or list(prev.aspects)
    elif own.jurisdictions and not own.explicit_laws and not own.unknown_laws \
            and (looks_like_followup(q) or not own.law_ids):
        # "What about Korea?" / "What about in the UK?": switch country, keep topic and aspect.
        switched, missing = _switch(prev, own, catalog)
        laws = switched or laws
        scope.unknown_laws += missing if not switched else []
        scope.aspects = scope.aspects or list(prev.aspects)
    else:
        return laws, jurs  # a question of its own
    scope.resolved_question = resolve_text(q, history)
    scope.source = "history"
    return laws, jurs


def _indexed_only(laws: list[str], indexed: set[str], scope: Scope, catalog: LawCatalog) -> list[str]:
    """The indexed ones of ``laws``; the others are named in ``scope.unknown_laws``."""
    found_jurs = {catalog.laws[x].jurisdiction for x in laws if x in indexed and x in catalog.laws}
    for lid in [x for x in laws if x not in indexed]:
        info = catalog.laws.get(lid)
        if info and info.jurisdiction in found_jurs:
            continue  # the same name matched an indexed document (an upload of that law): that one answers
        scope.unknown_laws.append(info.short_name or lid if info else lid)
    return [x for x in laws if x in indexed]


def _referring(scope: Scope, laws: list[str], mentioning: Callable[[str], list[str]],
               indexed_law_ids: list[str] | None) -> list[str]:
    """``laws`` and the indexed laws whose text names a law of ``scope.unknown_laws``: such a law is moved to
    ``scope.referenced``. Only a name that reads as a law's ("Directive 95/46/EC"), not a country's."""
    for name in [n for n in scope.unknown_laws if law_phrases(n)]:
        citing = [lid for lid in mentioning(name) if indexed_law_ids is None or lid in indexed_law_ids]
        if citing:
            log.info("%r is not indexed, but %s name it: answered from them", name, citing)
            scope.unknown_laws.remove(name)
            scope.referenced[name] = citing
            laws += [lid for lid in citing if lid not in laws]
    return laws


def _in_jurisdictions(laws: list[str], jurs: list[str], own: Parsed, scope: Scope, catalog: LawCatalog,
                      law_ids: list[str] | None, indexed_law_ids: list[str] | None) -> list[str]:
    """``laws`` within the user's jurisdiction filter ``jurs`` (unless laws were chosen too)."""
    if law_ids:
        return laws
    laws = [x for x in laws if x not in catalog.laws or catalog.laws[x].jurisdiction in jurs]
    if not laws and not scope.unknown_laws:
        # "the AI law" with the JP filter on is Japan's AI law, as "the Japanese AI law" would be.
        for jur in jurs:
            found = next((f for t in own.topics if (f := catalog.default_laws(jur, t))), [])
            laws += [x for x in found if indexed_law_ids is None or x in indexed_law_ids]
    return laws


def understand(question: str, history: list[dict] | None = None, *, catalog: LawCatalog | None = None,
               indexed_law_ids: list[str] | None = None, jurisdictions: list[str] | None = None,
               law_ids: list[str] | None = None, mentioning: Callable[[str], list[str]] | None = None) -> Scope:
    """The scope of ``question`` read with ``history``; ``mentioning`` (a name -> the indexed laws whose text
    names it verbatim) lets a law that is not indexed be answered from the indexed provisions referring to it."""
    catalog = catalog or LawCatalog.load()
    q = (question or "").strip()
    own = analyse(q, catalog)
    scope = Scope(language=detect_language(q), articles=own.articles, aspects=list(own.aspects),
                  unknown_laws=list(own.unknown_laws), resolved_question=q, source="question")
    laws, jurs = list(own.law_ids), list(own.jurisdictions)
    prev = previous_scope(history, lambda t: analyse(t, catalog)) if history else None
    if prev is not None:
        laws, jurs = _follow_up(q, history, own, prev, scope, catalog, laws, jurs)
    if indexed_law_ids is not None:
        laws = _indexed_only(laws, set(indexed_law_ids), scope, catalog)
    if mentioning is not None and scope.unknown_laws and not law_ids:
        laws = _referring(scope, laws, mentioning, indexed_law_ids)
    if scope.unknown_laws and not own.explicit_laws:
        laws = []  # "the EU AI Liability Directive": not the EU AI Act, even though both say "EU" and "AI"
    if law_ids:
        laws, scope.source = list(law_ids), "user filter"
    if jurisdictions:
        jurs, scope.source = list(jurisdictions), "user filter"
        laws = _in_jurisdictions(laws, jurs, own, scope, catalog, law_ids, indexed_law_ids)
    if not own.explicit_laws and not law_ids and jurs and (len(jurs) >= 2 or _SURVEY.search(q)) \
            and not scope.unknown_laws and indexed_law_ids is not None:
        # Which laws apply there: every indexed statute of each named jurisdiction, not one default law each.
        statutes = {lid for j in jurs for lid in catalog.laws_in(j)}
        laws = [lid for lid in indexed_law_ids if lid in statutes]
        scope.survey = len(laws) > 1
    for lid in laws:
        j = catalog.laws[lid].jurisdiction if lid in catalog.laws else ""
        if j and j not in jurs:
            jurs.append(j)
    scope.law_ids, scope.jurisdictions = laws, jurs
    scope.without_names = catalog.strip_names(scope.resolved_question)
    scope.history = asks_history(q) or (scope.source == "history" and asks_history(scope.resolved_question))
    scope.earlier_only = scope.history and not asks_current(q)
    scope.until = asks_until(q)
    scope.about = asked_topic(q)
    scope.comparison = len(laws) > 1 or bool(_COMPARE.search(q)) and len(laws) + len(jurs) > 1
    if not laws and not jurs and scope.source == "question":
        scope.source = "none"
    log.info("scope (from %s): laws=%s jurisdictions=%s aspects=%s articles=%s language=%s%s%s%s", scope.source,
             laws, jurs, scope.aspects, scope.articles, scope.language, " comparison" if scope.comparison else "",
             " survey" if scope.survey else "", f" not indexed={scope.unknown_laws}" if scope.unknown_laws else "")
    return scope
