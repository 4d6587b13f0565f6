"""HTML files and HTML mail bodies: visible text only (scripts and styles dropped)."""

from __future__ import annotations

import re

from lxml import etree

from leakdesk.intake.charsets import decode_text
from leakdesk.intake.readers.text import declared_charset, read_limited, text_role
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart

EXTRACTOR = "lxml-text"
VERSION = etree.__version__
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", re.I)


_SKIPPED = frozenset({"script", "style", "noscript", "template", "head"})
_CHUNK = 1 << 20


class _VisibleText:
    """An lxml parser target that keeps visible text nodes and builds no tree (memory stays near the text size)."""

    def __init__(self) -> None:
        self.nodes: list[str] = []
        self._pending: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        if self._pending:
            self.nodes.append("".join(self._pending))
            self._pending = []

    def start(self, tag: str, attrib: object) -> None:
        self._flush()
        if tag in _SKIPPED:
            self._skip += 1

    def end(self, tag: str) -> None:
        self._flush()
        if tag in _SKIPPED and self._skip:
            self._skip -= 1

    def data(self, text: str) -> None:
        if not self._skip:
            self._pending.append(text)

    def comment(self, text: str) -> None:
        self._flush()

    def close(self) -> list[str]:
        self._flush()
        return self.nodes


def html_to_text(markup: str) -> str:
    """The visible text of an HTML document, one text node per line (scripts, styles and comments dropped).

    Streams through lxml's HTML parser without building a tree, so a 30 MB body costs about its own size.
    """
    parser = etree.HTMLParser(target=_VisibleText(), recover=True, huge_tree=True)
    for start in range(0, len(markup), _CHUNK):
        parser.feed(markup[start : start + _CHUNK])
    nodes: list[str] = parser.close() if markup.strip() else []
    lines = (" ".join(line.split()) for node in nodes for line in node.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class HtmlReader(Reader):
    name = "html"
    version = VERSION
    isolated = True
    media_types = ("text/html", "application/xhtml+xml")
    extensions = ("html", "htm", "xhtml")

    def sniff(self, source: Source, head: bytes) -> int:
        start = head[:1024].lstrip().lower()
        return 10 if start.startswith((b"<!doctype html", b"<html")) else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        data, cut = read_limited(source, ctx.limits.max_text_chars)
        declared = declared_charset(source.media_type)
        if declared is None and (m := _META_CHARSET.search(data[:4096])):
            declared = m.group(1).decode("ascii")
        decoded = decode_text(data, declared)
        ex = Extracted(kind="file", media_type="text/html")
        ex.texts.append(
            TextPart(text_role(ctx), html_to_text(decoded.text), EXTRACTOR, VERSION, decoded.charset, decoded.reason)
        )
        if cut:
            ex.details["truncated"] = f"only the first {ctx.limits.max_text_chars:,} bytes were read"
        return ex
