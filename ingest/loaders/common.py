"""Reading helpers shared by all loaders: bytes to text with clear errors for
empty, binary or wrongly encoded files, and whitespace normalisation."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ingest.errors import IngestError
from rag.core.settings import Settings

# The limit when a caller gives none (tests, scripts): the Settings default. The indexer passes its own
# Settings' REGQA_MAX_FILE_MB down (ingest/loaders/registry.py load_document), so no loader reads the environment.
DEFAULT_MAX_FILE_BYTES = Settings.max_file_mb * 2**20


def check_size(path: Path, limit: int) -> None:
    """Files above ``limit`` bytes (REGQA_MAX_FILE_MB) are refused rather than read into memory."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise IngestError(path, f"cannot read file ({e.strerror})") from e
    if size > limit:
        raise IngestError(path, f"file too large ({size / 2**20:.0f} MB > {limit // 2**20} MB; "
                                "raise REGQA_MAX_FILE_MB to allow it)")

_ENCODINGS = ("utf-8-sig", "utf-16", "cp932", "euc-kr", "gb18030", "cp1252")


def read_bytes(path: Path) -> bytes:
    """The file's bytes; its size was checked against the limit before any loader ran (check_size)."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise IngestError(path, f"cannot read file ({e.strerror})") from e
    if size == 0:
        raise IngestError(path, "empty file")
    try:
        return path.read_bytes()
    except OSError as e:
        raise IngestError(path, f"cannot read file ({e.strerror})") from e


def utf16_without_bom(data: bytes) -> str:
    """"utf-16-le" / "utf-16-be" when ``data`` is UTF-16 text without a byte-order mark, else "".

    Such text has NULs, like binary, but nearly all in one byte of each pair (the high byte of every Latin
    character, newline and space), and read as UTF-16 it is nearly all letters, digits, punctuation and
    spaces; binary has NULs anywhere and read as UTF-16 it is not (control characters, lone surrogates)."""
    head = data[:8192]
    if len(head) < 4 or b"\x00" not in head:
        return ""
    odd = sum(1 for i in range(1, len(head), 2) if head[i] == 0)
    even = head.count(0) - odd
    if min(odd, even) > 0.1 * max(odd, even):
        return ""
    enc = "utf-16-le" if odd > even else "utf-16-be"  # Latin text: the NUL is the high byte
    try:
        text = head[: len(head) // 2 * 2].decode(enc)
    except UnicodeDecodeError:
        return ""
    ok = sum(1 for ch in text if ch in "\n\r\t" or unicodedata.category(ch)[0] in "LMNPSZ")
    return enc if ok >= 0.97 * len(text) else ""


def decode(path: Path, data: bytes) -> str:
    """Decode text: UTF-8 first; UTF-16 by its BOM or, without one, by its NUL pattern; otherwise a legacy
    encoding only if it decodes cleanly."""
    bom = data.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 with a BOM: decoded below, its NULs by design
    enc = "" if bom else utf16_without_bom(data)
    if enc:
        return data[: len(data) // 2 * 2].decode(enc)
    if not bom and b"\x00" in data[:8192]:
        raise IngestError(path, "binary content in a text file (is the extension wrong?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as first:
        for enc in _ENCODINGS[1:]:
            try:
                text = data.decode(enc)
            except (UnicodeDecodeError, LookupError):
                continue
            if _plausible(text):
                return text
        raise IngestError(path, f"not valid UTF-8 and no known encoding fits (byte {first.start})") from first


def _plausible(text: str) -> bool:
    bad = sum(1 for ch in text[:20000] if unicodedata.category(ch) in ("Co", "Cn", "Cs") or ch == "\ufffd")
    return bad < max(3, len(text[:20000]) // 1000)


def read_text(path: Path) -> str:
    text = decode(path, read_bytes(path))
    if not text.strip():
        raise IngestError(path, "empty file (only whitespace)")
    return text


_WS = re.compile(r"[ \t\u00a0\u3000]+")


def clean(text: str) -> str:
    """Collapse runs of spaces (keeping newlines) and strip each line."""
    lines = [_WS.sub(" ", ln).strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    return "\n".join(out).strip()
