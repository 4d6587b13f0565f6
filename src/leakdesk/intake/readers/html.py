"""HTML files and HTML mail bodies: visible text only (scripts and styles dropped)."""

from __future__ import annotations

import re

import bs4

from leakdesk.intake.charsets import decode_text
from leakdesk.intake.readers.text import declared_charset, read_limited, text_role
from leakdesk.intake.registry import Extracted, ReadContext, Reader, Source, TextPart

EXTRACTOR = "bs4-lxml"
VERSION = bs4.__version__
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", re.I)


def html_to_text(markup: str) -> str:
    """The visible text of an HTML document, one block per line."""
    soup = bs4.BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    text = soup.get_text("\n")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class HtmlReader(Reader):
    name = "html"
    version = VERSION
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
