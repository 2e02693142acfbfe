"""Words and templates of the offline answerer: the templates file, aspect keywords
(rag/data/aspects.toml, written for retrieval; a fallback list in templates.toml), and
the content terms used to match question and provision sentences (rag/core/text.py ``content_terms``
with the lexicon's stopwords)."""
from __future__ import annotations

import re
from functools import lru_cache

from rag.core.resources import DEFAULT, Resources
from rag.core.text import content_terms
from rag.core.types import Scope

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")


def templates(res: Resources = DEFAULT) -> dict:
    return res.toml("templates.toml")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in ("name", "label", "description") for s in _strings(v)]
    return []


@lru_cache(maxsize=4)  # keyed by the Resources: another data directory gets its own lexicon
def aspect_lexicon(res: Resources = DEFAULT) -> dict[str, dict[str, list[str]]]:
    """aspect -> language -> keywords, from rag/data/aspects.toml ("*": any language), with
    the fallback lists of templates.toml for aspects it lacks."""
    raw = res.toml("aspects.toml", optional=True)
    raw = raw["aspects"] if isinstance(raw.get("aspects"), dict) else raw
    data: dict[str, dict[str, list[str]]] = {}
    for aspect, v in raw.items():
        if isinstance(v, dict):
            langs = {k: _strings(x) for k, x in v.items() if k not in ("name", "label", "description")}
            data[aspect] = {k: x for k, x in langs.items() if x}
        elif isinstance(v, list):
            data[aspect] = {"*": _strings(v)}
    for aspect, v in templates(res).get("fallback_aspects", {}).items():
        data.setdefault(aspect, {"*": list(v)})
    return {a: d for a, d in data.items() if any(d.values())}


def aspect_keywords(res: Resources = DEFAULT) -> dict[str, list[str]]:
    """aspect -> keywords in every language."""
    return {a: [w for ws in d.values() for w in ws if w.strip()] for a, d in aspect_lexicon(res).items()}


@lru_cache(maxsize=64)  # a pure function of its words (no data file): a memo of the compiled regex
def keyword_regex(words: tuple[str, ...]) -> re.Pattern | None:
    """Latin keywords match at a word start ("fine" not in "define"); CJK/Hangul anywhere."""
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w.strip())
        parts.append(rf"\b{esc}" if re.match(r"[A-Za-z0-9]", w.strip()) else esc)
    return re.compile("|".join(parts), re.I) if parts else None


def aspect_regex(aspect: str, language: str | None = None, res: Resources = DEFAULT) -> re.Pattern | None:
    """Keywords of ``aspect``; with ``language``, only that language's (Chinese 透明 must not
    match Japanese 透明性) plus English ones (translations and romanized terms)."""
    d = aspect_lexicon(res).get(aspect, {})
    if language is None:
        words = [w for ws in d.values() for w in ws]
    else:
        words = d.get(language, []) + d.get("*", []) + (d.get("en", []) if language != "en" else [])
    return keyword_regex(tuple(w for w in words if w.strip()))


@lru_cache(maxsize=4)  # keyed by the Resources
def _stopwords(res: Resources = DEFAULT) -> frozenset[str]:
    return frozenset(templates(res).get("lexicon", {}).get("stopwords", "").split())


def terms(text: str) -> set[str]:
    """Content terms of question and provision text (rag/core/text.py ``content_terms``), without the
    lexicon's stopwords: question words and the names of places and kinds of law carry no content here."""
    return content_terms(text, _stopwords())


def language_of(text: str, scope: Scope | None = None) -> str:
    """The answer's language: the question's, where the templates have it (ja, ko), else English."""
    if _KANA.search(text) or (scope and scope.language == "ja"):
        lang = "ja"
    elif _HANGUL.search(text) or (scope and scope.language == "ko"):
        lang = "ko"
    else:
        lang = "en"
    return lang if lang in templates() else "en"


@lru_cache(maxsize=64)  # keyed by the aspects and the Resources
def aspect_terms(aspects: tuple[str, ...], res: Resources = DEFAULT) -> frozenset[str]:
    """The asked aspects' keywords as query terms: a question on "penalties" also wants "fines"."""
    out: set[str] = set()
    for a in aspects:
        for kw in aspect_keywords(res).get(a, []):
            out |= terms(kw)
    return frozenset(out)


def synonym_terms(question: str, res: Resources = DEFAULT) -> set[str]:
    low, out = question.lower(), set()
    for word, extra in templates(res).get("lexicon", {}).get("synonyms", {}).items():
        if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", low):
            for e in extra:
                out |= terms(e) if terms(e) else {e}
    return out


def asked_aspects(question: str, scope: Scope, res: Resources = DEFAULT) -> list[str]:
    """The scope's aspects plus those whose keywords the question itself uses."""
    found = list(scope.aspects)
    for aspect in aspect_keywords(res):
        rx = aspect_regex(aspect, res=res)
        if aspect not in found and rx and rx.search(question):
            found.append(aspect)
    return found
