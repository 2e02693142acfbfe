"""Which version of its law each indexed document is, and what the law says on a date.

Every document's registry record carries its version data (ingest/model.py ``DocMeta``): its kind
(enacted, consolidated, amending act, translation), whether it is official, its dates (adopted, in force,
applies from, as of) and the documents whose text it ``replaces``, plus a hash of each unit's text.
From these, per provision and as of a date:

- a version adopted after the date does not exist yet: never quoted;
- a provision is **superseded** once a replacing version takes effect and that version's text of the
  provision differs (an amending act judges only the provisions it contains; any other replacing version
  its whole text, per unit kind: a consolidation of the articles does not touch the recitals). Unchanged
  provisions stay current in both, so the official text keeps being cited where the amendment did not
  change it;
- a version adopted but not yet in force is **pending** ("adopted 14 May 2026; takes effect 1 January 2027").

A provision is superseded when the replacing version takes effect (its ``in_force``, else its adoption):
until then the older text is still the law, and is labelled "in force until 1 January 2027, then replaced
by ... (adopted 14 May 2026)", while the adopted newer text is retrieved beside it (labelled "takes effect
1 January 2027"), so neither date is given without the other.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from rag.core.dates import long_date, today

_NORMAL = re.compile(r"[\W_]+")
# "as amended by Act No. 21311", "as amended by Regulation (EU) 2026/1744": an amending act named in a title
_AMENDED_BY = re.compile(r"\bas amended by ((?:[^(),;]|\([A-Z]{2,3}\))+)")


def unit_key(unit_kind: str, number: str) -> str:
    return f"{unit_kind}:{number}"


def text_hash(text: str) -> str:
    """The hash a unit's text is compared by across versions: case, spacing and punctuation ignored
    (session laws print amended text in capitals; a re-typeset text must not count as a change)."""
    return hashlib.sha1(_NORMAL.sub("", text.casefold()).encode()).hexdigest()[:12]


def language_name(code: str) -> str:
    import pycountry

    lang = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    return lang.name if lang else code


@dataclass
class Version:
    """One document's version data, from its registry record."""

    doc_id: str
    law_id: str = ""
    name: str = ""  # how to cite it: "Regulation (EU) 2024/1689", "C.R.S. (SB 26-189)"
    title: str = ""  # the document's own title ("... (Act No. 20676, 2025, as amended by Act No. 21311)")
    language: str = ""
    kind: str = ""  # enacted | consolidated | amending | translation | user | news | web
    official: bool = True
    adopted: str = ""
    published: str = ""
    in_force: str = ""
    applies_from: str = ""
    as_of: str = ""
    replaces: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)  # unit key -> text hash
    # A user's upload: who added it, when (ISO date) and from which file; every citation of it says so.
    added_by: str = ""
    added_at: str = ""
    source_file: str = ""

    @property
    def display(self) -> str:
        """The name, with the amending act its title names where the name does not ("Act No. 20676, as amended
        by Act No. 21311"): the one thing that tells two versions of the same act apart."""
        m = _AMENDED_BY.search(self.title)
        if m and m.group(1).strip() not in self.name:
            return f"{self.name}, as amended by {m.group(1).strip()}"
        return self.name

    @property
    def exists_from(self) -> str:
        """From when this text is the law's (or, for a consolidation, reproduces it)."""
        return self.adopted or self.in_force or self.as_of

    @classmethod
    def from_record(cls, d: dict) -> Version:
        """From a registry record as ``ChunkStore.documents()`` returns it (JSON fields decoded)."""
        kind = str(d.get("version_kind") or "")
        doc_kind = str(d.get("kind") or "law")
        if not kind:
            kind = {"consolidation": "consolidated", "translation": "translation"}.get(doc_kind, doc_kind)
        official = d.get("official")
        if official in (None, ""):
            official = doc_kind == "law" and kind != "translation"
        return cls(doc_id=d["doc_id"], law_id=d.get("law_id") or d["doc_id"],
                   name=d.get("citation_name") or d.get("short_name") or d.get("title") or d["doc_id"],
                   title=d.get("title") or "", language=d.get("language") or "", kind=kind, official=bool(official),
                   adopted=d.get("adopted") or "", published=d.get("published") or "",
                   in_force=d.get("in_force") or "",
                   applies_from=d.get("applies_from") or "", as_of=d.get("as_of") or "",
                   replaces=list(d.get("replaces") or []), units=dict(d.get("unit_hashes") or {}),
                   added_by=d.get("added_by") or "", added_at=str(d.get("ingested_at") or "")[:10],
                   source_file=d.get("source_file") or "")


@dataclass
class Status:
    """What a provision of one version is on a date, and the line a citation card shows."""

    state: str  # in_force | pending | superseded | not_yet | unknown
    note: str = ""  # "third-party consolidation (not official), as of 27 July 2026; in force since ..."
    official: bool = True
    superseded_by: str = ""  # the replacing version's citation name
    superseded_on: str = ""  # ISO date
    until: str = ""  # in force, but an adopted newer version replaces it on this date (ISO)


class Versions:
    """The version data of every indexed document (see the module docstring)."""

    def __init__(self, versions: list[Version]):
        self.by_doc = {v.doc_id: v for v in versions}
        self.replacers: dict[str, list[Version]] = {}
        for v in versions:
            for old in v.replaces:
                if v.kind == "user" and self.by_doc.get(old, v).kind != "user":
                    continue  # a user's upload never supersedes an official text (only an earlier upload)
                self.replacers.setdefault(old, []).append(v)
        for rs in self.replacers.values():
            rs.sort(key=lambda v: v.exists_from or "9999")

    @classmethod
    def from_records(cls, records: list[dict]) -> Versions:
        return cls([Version.from_record(d) for d in records if d.get("doc_id")])

    def _replaced_by(self, v: Version, unit_kind: str, article: str, as_of: str,
                     pending: bool = False) -> Version | None:
        """The version that replaces this provision by ``as_of`` (``pending``: adopted by then, but its text
        takes effect later)."""
        key = unit_key(unit_kind, article)
        for r in self.replacers.get(v.doc_id, []):
            if not r.exists_from or r.exists_from > as_of:
                continue
            effective = r.in_force or r.exists_from
            if (effective > as_of) != pending:
                continue
            theirs, ours = r.units.get(key), v.units.get(key)
            if r.kind == "amending":
                if theirs is not None and theirs != ours:
                    return r
            elif any(k.startswith(unit_kind + ":") for k in r.units) and theirs != ours:
                return r  # changed, or repealed (absent from the new whole text)
        return None

    def _state(self, v: Version, unit_kind: str, article: str, as_of: str) -> tuple[str, Version | None]:
        """(state, the replacing version when superseded) of a provision of ``v`` on ``as_of``."""
        if v.exists_from and v.exists_from > as_of:
            return "not_yet", None
        r = self._replaced_by(v, unit_kind, article, as_of)
        if r is not None:
            return "superseded", r
        if v.in_force and v.in_force > as_of:
            return "pending", None
        return ("in_force" if v.exists_from or v.in_force else "unknown"), None

    def status(self, doc_id: str, unit_kind: str, article: str, as_of: str = "") -> Status:
        as_of = as_of or today()
        v = self.by_doc.get(doc_id)
        if v is None:
            return Status("unknown")
        state, r = self._state(v, unit_kind, article, as_of)
        if state == "not_yet":
            return Status("not_yet", f"adopted {long_date(v.exists_from)}, after {long_date(as_of)}",
                          official=v.official)
        parts = [self._describe(v)]
        if r is not None:
            on = r.in_force or r.exists_from
            parts.append(f"superseded on {long_date(on)} by {r.name}")
            return Status("superseded", "; ".join(p for p in parts if p), v.official, r.name, on)
        if state == "pending":
            parts.append(f"takes effect {long_date(v.in_force)}")
        elif v.in_force:
            parts.append(f"in force since {long_date(v.in_force)}")
        if v.applies_from and v.applies_from > as_of and state == "in_force":
            parts.append(f"applies from {long_date(v.applies_from)}")
        lag = self._newer_original(v)
        if lag:
            parts.append(lag)
        st = Status(state, "", v.official)
        r = self._replaced_by(v, unit_kind, article, as_of, pending=True)
        if r is not None:
            # Still the law, but a newer version is adopted: "in force until 1 January 2027, then replaced by ..."
            st.until, st.superseded_by = r.in_force, r.name
            parts.append(f"in force until {long_date(r.in_force)}, then replaced by {r.name} "
                         f"(adopted {long_date(r.exists_from)})")
        st.note = "; ".join(p for p in parts if p)
        return st

    @staticmethod
    def _describe(v: Version) -> str:
        if v.kind == "user":
            return "; ".join(p for p in (
                "your upload, not an official text",
                "added" + (f" by {v.added_by}" if v.added_by else "") + (f" on {long_date(v.added_at)}" if v.added_at else "")
                + (f" from {v.source_file}" if v.source_file else "")) if p != "added")
        if v.kind == "consolidated":
            what = "consolidated text" if v.official else "third-party consolidation (not an official text)"
            return f"{what} as of {long_date(v.as_of)}" if v.as_of else what
        if v.kind == "translation":
            return f"translation (not authoritative) of the text as of {long_date(v.as_of)}" if v.as_of \
                else "translation (not authoritative)"
        if v.kind == "amending":
            return "amending act" + (f", adopted {long_date(v.adopted)}" if v.adopted else "")
        if v.kind == "enacted":
            return "as adopted" + (f" {long_date(v.adopted)}" if v.adopted else "") + (
                f", published {long_date(v.published)}" if v.published else "")
        return ""

    def _newer_original(self, v: Version) -> str:
        """A translation older than the official text of its law in another language: say so."""
        if v.kind != "translation" or not v.as_of:
            return ""
        newer = [o for o in self.by_doc.values() if o.law_id == v.law_id and o.official and o.language != v.language
                 and o.as_of and o.as_of > v.as_of]
        if not newer:
            return ""
        o = max(newer, key=lambda o: o.as_of)
        return (f"later amendments may be missing: the law in force is the {language_name(o.language)} text as of "
                f"{long_date(o.as_of)}")

    def weight(self, doc_id: str, unit_kind: str, article: str, as_of: str, weights, earlier: bool = False) -> float:
        """The retrieval factor of a current provision where another version says it alike: the third-party
        consolidation's text ranks below the official one it repeats, an older version's below the newer
        one's (rag/data/weights.toml). A provision only one version has keeps 1.0, except in a third-party
        consolidation not declared newer than the official text. ``earlier``: the question asks about an
        earlier version only ("as originally enacted"): a provision that an older indexed version words
        otherwise ranks below that older wording (``current_when_earlier_asked_weight``)."""
        v = self.by_doc.get(doc_id)
        if v is None:
            return 1.0
        as_of = as_of or today()
        key = unit_key(unit_kind, article)
        f = 1.0
        # A third-party consolidation: below the official text it repeats; and always when it is not declared
        # newer than any official text (``replaces``): then nothing says its differing wording is the current one.
        if v.kind == "consolidated" and not v.official and (
                not v.replaces or any(o.official and o.law_id == v.law_id and o.units.get(key) == v.units.get(key)
                                      for o in self.by_doc.values() if o.doc_id != doc_id)):
            f *= weights.unofficial_consolidation_weight
        if any(r.exists_from and r.exists_from <= as_of and r.units.get(key) == v.units.get(key)
               for r in self.replacers.get(doc_id, [])):
            f *= weights.older_version_weight
        if earlier and any(o in self.by_doc and self.by_doc[o].units.get(key) not in (None, v.units.get(key))
                           for o in v.replaces):
            f *= weights.current_when_earlier_asked_weight
        return f

    def predicate(self, as_of: str = "", history: bool = False):
        """chunk -> whether retrieval may use it on ``as_of``: never a version not yet adopted; a superseded
        provision only when the question asks about earlier versions (``history``)."""
        as_of = as_of or today()
        cache: dict[tuple, bool] = {}

        def ok(c) -> bool:
            key = (c.doc_id, c.unit_kind, c.article)
            if key not in cache:
                v = self.by_doc.get(c.doc_id)
                state = self._state(v, c.unit_kind, c.article, as_of)[0] if v else "unknown"
                cache[key] = state != "not_yet" and (history or state != "superseded")
            return cache[key]
        return ok


def unit_hashes(units) -> dict[str, str]:
    """unit key -> text hash of a parsed document's units (a unit split by the loader is joined)."""
    texts: dict[str, list[str]] = {}
    for u in units:
        texts.setdefault(unit_key(u.kind, u.number), []).append(u.text)
    return {k: text_hash("\n".join(v)) for k, v in texts.items()}
