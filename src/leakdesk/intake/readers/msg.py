"""Outlook .msg files, through the optional extra `extract-msg` (GPL-3.0, so not installed by default)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from leakdesk.errors import IntakeError
from leakdesk.intake.charsets import decode_text
from leakdesk.intake.headers import parse_date
from leakdesk.intake.names import safe_name
from leakdesk.intake.readers.html import html_to_text
from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source, TextPart

MISSING = (
    "reading Outlook .msg files needs the optional extra 'msg' (pip install 'leakdesk[msg]'); "
    "the file is kept as an original but its content was not read"
)


class MsgReader(Reader):
    name = "extract-msg"
    version = "0"
    media_types = ("application/vnd.ms-outlook",)
    extensions = ("msg",)
    magic = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
    channel = "msg"

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        try:
            import extract_msg
        except ImportError as exc:
            raise IntakeError(MISSING) from exc
        version = getattr(extract_msg, "__version__", "unknown")
        try:
            with source.open() as fh:
                message: Any = extract_msg.openMsg(fh.read())
        except Exception as exc:  # the library raises many kinds on damaged files
            raise IntakeError(f"not a readable Outlook .msg file ({type(exc).__name__}: {exc})") from exc
        ex = Extracted(kind="email", media_type="application/vnd.ms-outlook")
        ex.subject = message.subject
        ex.sender = message.sender
        ex.recipients = "; ".join(x for x in (message.to, message.cc) if x)
        ex.message_id = (getattr(message, "messageId", None) or "").strip() or None
        raw_date = getattr(message, "date", None)
        if raw_date is not None and not isinstance(raw_date, str):
            ex.date, ex.date_utc = raw_date.isoformat(), raw_date
        else:
            ex.date, ex.date_utc, _ = parse_date(raw_date)
        header_text = getattr(message, "header", None)
        if header_text is not None:
            for name, value in header_text.items():
                ex.headers.append((name, str(value), str(value)))
        if message.body:
            ex.texts.append(TextPart("body", message.body, self.name, version))
        html = getattr(message, "htmlBody", None)
        if html:
            decoded = decode_text(html if isinstance(html, bytes) else html.encode("utf-8"))
            ex.texts.append(TextPart("html-body", html_to_text(decoded.text), self.name, version,
                                     decoded.charset, decoded.reason))
        ex.children = self._attachments(message, ctx)
        return ex

    @staticmethod
    def _attachments(message: Any, ctx: ReadContext) -> Iterator[Child]:
        for n, att in enumerate(message.attachments, 1):
            data = att.data if isinstance(att.data, bytes) else b""
            name, problem = safe_name(getattr(att, "longFilename", None) or getattr(att, "shortFilename", None))
            yield Child(ctx.store_bytes(data), str(n), filename=name, error=problem)
