"""The laws regqa knows by name: aliases (en/ja/ko/zh), jurisdictions, topics and
default laws per jurisdiction, and laws that are known but not indexed.

Data: rag/data/laws.toml + rag/data/jurisdictions.toml (names) and corpus/sources.toml
(titles, citation names, official URLs per law_id). ``find_laws`` / ``find_jurisdictions``
return matches with their text spans so that a longer name ("UK GDPR") wins over a
shorter one inside it ("GDPR").
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"
_SOURCES = Path(__file__).resolve().parent.parent / "corpus" / "sources.toml"
_STATUTE_KINDS = ("law", "translation", "consolidation")


@dataclass
class LawInfo:
    law_id: str
    title: str = ""
    short_name: str = ""
    citation_name: str = ""
    jurisdiction: str = ""
    aliases: list[str] = field(default_factory=list)
    official_url: str = ""
    topic: str = ""
    generic: list[str] = field(default_factory=list)  # aliases valid only when no other jurisdiction is named
    languages: list[str] = field(default_factory=list)


@dataclass
class Match:
    key: str  # law_id, jurisdiction code or not-indexed law name
    start: int
    end: int
    generic: bool = False


def _pattern(name: str) -> str:
    """Latin names match as whole words; CJK/Hangul names anywhere (no spaces between words)."""
    esc = re.escape(name.strip()).replace(r"\ ", r"\s*")
    if re.match(r"[A-Za-z0-9]", name.strip()):
        esc = r"(?<![A-Za-z0-9])" + esc
    if re.search(r"[A-Za-z0-9.]$", name.strip()):
        esc = esc + r"(?![A-Za-z0-9])"
    return esc


def _find(text: str, names: dict[str, list[tuple[str, bool]]], *, case: set[str] | None = None) -> list[Match]:
    """All non-overlapping matches, longest name first."""
    cands = []
    for key, lst in names.items():
        for name, generic in lst:
            if name.strip():
                cands.append((len(name), key, name, generic))
    cands.sort(key=lambda t: -t[0])
    taken: list[tuple[int, int]] = []
    out: list[Match] = []
    for _, key, name, generic in cands:
        flags = 0 if case and name in case else re.I
        for m in re.finditer(_pattern(name), text, flags):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append(Match(key, m.start(), m.end(), generic))
    out.sort(key=lambda m: m.start)
    return out


class LawCatalog:
    def __init__(self, laws: dict[str, LawInfo], jurisdictions: dict[str, dict], topics: dict[str, list[str]],
                 not_indexed: list[dict]):
        self.laws = laws
        self.jurisdictions = jurisdictions
        self.topics = topics
        self.not_indexed = not_indexed
        self._alias_names = {lid: [(a, False) for a in info.aliases] + [(g, True) for g in info.generic]
                             for lid, info in laws.items()}
        self._jur_names = {code: [(n, False) for n in j.get("names", [])] for code, j in jurisdictions.items()}
        self._not_indexed_rx = [(d["name"], [re.compile(p, re.I) for p in d.get("patterns", [])]) for d in not_indexed]

    @classmethod
    def load(cls, data_dir: Path | None = None, sources_file: Path | None = None) -> LawCatalog:
        return _load_cached(str(data_dir or _DATA), str(sources_file or _SOURCES))

    # -- lookups --
    def law(self, law_id: str) -> LawInfo:
        info = self.laws.get(law_id)
        if info is None:
            raise KeyError(f"unknown law_id {law_id!r}")
        return info

    def law_matches(self, text: str) -> list[Match]:
        return _find(text, self._alias_names)

    def find_laws(self, text: str) -> list[str]:
        """law_ids named in ``text`` (generic names like "AI Act" only if no other jurisdiction is named)."""
        matches = self.law_matches(text)
        jurs = set(self.find_jurisdictions(text))
        out: list[str] = []
        for m in matches:
            if m.generic and jurs and self.laws[m.key].jurisdiction not in jurs:
                continue
            if m.key not in out:
                out.append(m.key)
        return out

    def find_jurisdictions(self, text: str) -> list[str]:
        # Law names contain country words ("EU AI Act"); those count as jurisdiction mentions too.
        out = []
        for m in _find(text, self._jur_names, case={"US"}):
            if m.key not in out:
                out.append(m.key)
        return out

    def find_not_indexed(self, text: str) -> list[str]:
        return [name for name, rxs in self._not_indexed_rx if any(rx.search(text) for rx in rxs)]

    def find_topics(self, text: str) -> list[str]:
        out = []
        for topic, words in self.topics.items():
            if _find(text, {topic: [(w, False) for w in words]}):
                out.append(topic)
        return out

    def default_laws(self, jurisdiction: str, topic: str) -> list[str]:
        """The law(s) meant when only the country and a topic are named ("Japan's AI law")."""
        v = (self.jurisdictions.get(jurisdiction, {}).get("defaults") or {}).get(topic)
        return [v] if isinstance(v, str) else list(v or [])

    def implicit_jurisdiction(self, language: str) -> str | None:
        """The country a question in ``language`` is about when it names none (ja -> JP)."""
        return next((code for code, j in self.jurisdictions.items() if j.get("implicit_for_language") == language), None)

    def laws_in(self, jurisdiction: str) -> list[str]:
        return [lid for lid, info in self.laws.items() if info.jurisdiction == jurisdiction and info.topic != "news"]

    def flag(self, jurisdiction: str) -> str:
        return self.jurisdictions.get(jurisdiction, {}).get("flag", "")

    def jurisdiction_name(self, jurisdiction: str) -> str:
        names = self.jurisdictions.get(jurisdiction, {}).get("names") or [jurisdiction]
        return names[0]


@lru_cache(maxsize=4)
def _load_cached(data_dir: str, sources_file: str) -> LawCatalog:
    d = Path(data_dir)
    laws_raw = tomllib.loads((d / "laws.toml").read_text(encoding="utf-8"))
    jur_raw = tomllib.loads((d / "jurisdictions.toml").read_text(encoding="utf-8"))
    topics = jur_raw.pop("topics", {})
    sources: list[dict] = []
    if Path(sources_file).is_file():
        sources = tomllib.loads(Path(sources_file).read_text(encoding="utf-8")).get("source", [])
    laws: dict[str, LawInfo] = {}
    for lid, entry in laws_raw.get("laws", {}).items():
        laws[lid] = LawInfo(law_id=lid, jurisdiction=entry.get("jurisdiction", ""), aliases=list(entry.get("aliases", [])),
                            topic=entry.get("topic", ""), generic=list(entry.get("generic", [])))
    # Titles etc. from the source list: the original-language statute first, then translations.
    order = {k: i for i, k in enumerate(_STATUTE_KINDS)}
    for src in sorted(sources, key=lambda s: order.get(s.get("kind", "law"), 9)):
        lid = src.get("law_id") or src.get("doc_id")
        info = laws.setdefault(lid, LawInfo(law_id=lid, jurisdiction=src.get("jurisdiction", "")))
        if src.get("language") and src["language"] not in info.languages:
            info.languages.append(src["language"])
        for attr in ("title", "short_name", "citation_name", "official_url", "jurisdiction"):
            if not getattr(info, attr) and src.get(attr):
                setattr(info, attr, src[attr])
        sn = src.get("short_name") or ""
        if sn and sn not in info.aliases and sn not in info.generic and "(" not in sn and info.topic != "news":
            info.aliases.append(sn)
    return LawCatalog(laws, jur_raw, topics, list(laws_raw.get("not_indexed", [])))
