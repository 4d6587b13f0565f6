"""TNEF (winmail.dat, application/ms-tnef): Outlook's wrapper around a message's body and attachments (tnefparse).
The body becomes text; every attachment inside comes back through the registry like any other."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

from leakdesk.errors import IntakeError
from leakdesk.intake.charsets import decode_text
from leakdesk.intake.names import safe_name
from leakdesk.intake.readers.html import html_to_text
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source, TextPart

TNEF_MAGIC = b"\x78\x9f\x3e\x22"


class TnefReader(Reader):
    name = "tnefparse"
    version = version("tnefparse")
    media_types = ("application/ms-tnef", "application/vnd.ms-tnef")
    extensions = ("tnef",)
    magic = (TNEF_MAGIC,)

    def sniff(self, source: Source, head: bytes) -> int:
        return 4 if (source.filename or "").lower() == "winmail.dat" else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        from tnefparse import TNEF

        data = source.read_bytes()
        if not data.startswith(TNEF_MAGIC):
            raise IntakeError("not a TNEF (winmail.dat) file although it is named or labelled as one")
        logging.getLogger("tnefparse").setLevel(logging.ERROR)  # checksum notes would go to stderr
        try:
            tnef: Any = TNEF(data, do_checksum=True)
        except Exception as exc:  # tnefparse raises many kinds on damaged input
            raise IntakeError(f"the TNEF (winmail.dat) file is damaged ({type(exc).__name__}: {exc})") from exc
        ex = Extracted(kind="file", media_type="application/ms-tnef")
        bad = sum(1 for obj in tnef.objects if not obj.good_checksum)
        if bad:
            ex.details["checksums"] = f"{bad} TNEF records have a wrong checksum; their content was kept as found"
        for field, value in ((o.name_str, o.data) for o in tnef.msgprops):
            if field in ("Subject", "Message ID") and isinstance(value, str):
                ex.details.setdefault("tnef", {})[field.lower().replace(" ", "_")] = value[:500]
        role = text_role(ctx)
        if tnef.body:
            decoded = decode_text(tnef.body if isinstance(tnef.body, bytes) else tnef.body.encode("utf-8"))
            ex.texts.append(TextPart(role, decoded.text.rstrip("\x00"), self.name, self.version, decoded.charset,
                                     decoded.reason))
        elif tnef.htmlbody:
            html = tnef.htmlbody if isinstance(tnef.htmlbody, str) else decode_text(tnef.htmlbody).text
            ex.texts.append(TextPart(role, html_to_text(html), self.name, self.version))
        ex.children = _attachments(tnef, ctx)
        return ex


def _attachments(tnef: Any, ctx: ReadContext) -> Iterator[Child]:
    for n, att in enumerate(tnef.attachments, 1):
        if n > ctx.limits.max_children:
            raise IntakeError(f"more than {ctx.limits.max_children} attachments inside the TNEF file; "
                              "the rest were not extracted")
        try:
            declared = att.long_filename() or att.name
        except Exception:  # a damaged name record must not lose the attachment
            declared = None
        if isinstance(declared, bytes):
            declared = decode_text(declared).text
        name, problem = safe_name(declared.rstrip("\x00") if declared else None)
        data = att.data if isinstance(att.data, bytes) else b""
        yield Child(ctx.store_bytes(data), f"tnef {n}", filename=name, kind="attachment", error=problem)
