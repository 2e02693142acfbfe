"""Generic HTML loader (any page that is not EUR-Lex): site chrome removed, text
kept in document order with headings marked, then the generic splitter.

Dropped: script/style, nav/header/footer/aside/form, elements whose role, id or
class says navigation/menu/breadcrumb/footer/sidebar, and link lists that are
menus (a list whose items are almost only links).
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html

from ingest.errors import IngestError
from ingest.loaders.common import decode, read_bytes
from ingest.loaders.generic import document_from_blocks
from ingest.model import DocMeta, ParsedDocument

NAME = "html"

_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg",
              "button", "select", "template")
_CHROME = re.compile(r"(?:^|[-_\s])(?:nav|navi|navbar|menu|breadcrumbs?|topicpath|footer|header|sidebar|"
                     r"skip|pagetop|gnav|snav|fnav|banner|social|share|cookie)(?:$|[-_\s\d])", re.I)
_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar"}
_BLOCKS = {"p", "div", "li", "tr", "table", "section", "article", "main", "blockquote", "pre", "dd", "dt",
           "ul", "ol", "dl", "br", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "caption", "figure"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def sniff(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".html", ".htm", ".xhtml")


def _is_chrome(el) -> bool:
    if el.get("role", "").lower() in _ROLES:
        return True
    names = f"{el.get('id', '')} {el.get('class', '')}"
    return bool(names.strip()) and bool(_CHROME.search(names))


def _is_menu(el) -> bool:
    """A list of at least 3 items that are (nearly) only links."""
    items = [li for li in el if isinstance(li.tag, str) and li.tag == "li"]
    if len(items) < 3 or any(a.tag in ("main", "article") for a in el.iterancestors()):
        return False  # inside the main content a link list is content ("related documents")
    linky = 0
    for li in items:
        text = " ".join(li.text_content().split())
        link = " ".join(" ".join(a.text_content().split()) for a in li.iter("a"))
        if text and len(link) >= 0.8 * len(text):
            linky += 1
    return linky >= 0.8 * len(items)


def _blocks(el, out: list[tuple[bool, str]], buf: list[str]) -> None:
    def flush():
        text = " ".join("".join(buf).split())
        if text:
            out.append((False, text))
        buf.clear()

    if not isinstance(el.tag, str):
        return
    tag = el.tag.lower()
    if tag in _HEADINGS:
        flush()
        text = " ".join(el.text_content().split())
        if text:
            out.append((True, text))
        return
    block = tag in _BLOCKS
    if block:
        flush()
    if el.text:
        buf.append(el.text)
    for c in el:
        _blocks(c, out, buf)
        if c.tail:
            buf.append(c.tail)
    if block:
        flush()


def html_blocks(path: Path, data: bytes) -> tuple[str, list[tuple[bool, str]]]:
    """(page title, [(is_heading, text), ...]) with the site chrome removed."""
    try:
        root = lxml.html.document_fromstring(decode(path, data))
    except ValueError:  # an XML encoding declaration in a str: let lxml decode the bytes
        root = lxml.html.document_fromstring(data)
    except Exception as e:
        raise IngestError(path, f"not parseable as HTML ({type(e).__name__}: {e})") from e
    title = " ".join(root.findtext(".//title", default="").split())
    doomed = [el for el in root.iter() if isinstance(el.tag, str) and (
        el.tag.lower() in _DROP_TAGS or _is_chrome(el) or (el.tag.lower() in ("ul", "ol") and _is_menu(el)))]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    body = next((el for el in (root.find(".//main"), root.find(".//body")) if el is not None), root)
    out: list[tuple[bool, str]] = []
    _blocks(body, out, [])
    return title, out


def load(path: Path, meta: DocMeta) -> ParsedDocument:
    title, blocks = html_blocks(path, read_bytes(path))
    if not blocks:
        raise IngestError(path, "no text left in the HTML page after removing navigation")
    doc = document_from_blocks(blocks, meta, title=title)
    doc.title = (title or next((t for heading, t in blocks if heading), ""))[:200]
    return doc
