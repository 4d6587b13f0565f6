"""Calendar (.ics: icalendar) and contact (.vcf: vobject) files: events and cards as readable text, counted.
Meetings and address books often place people together in time and space, so every field a person reads is kept."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from leakdesk.errors import IntakeError
from leakdesk.intake.charsets import decode_text
from leakdesk.intake.readers.text import read_limited, text_role
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart

_EVENT_FIELDS = (("SUMMARY", "Summary"), ("DTSTART", "Starts"), ("DTEND", "Ends"), ("LOCATION", "Location"),
                 ("ORGANIZER", "Organizer"), ("ATTENDEE", "Attendee"), ("DESCRIPTION", "Description"),
                 ("UID", "UID"))
_CARD_FIELDS = (("fn", "Name"), ("org", "Organisation"), ("title", "Title"), ("email", "Email"), ("tel", "Phone"),
                ("adr", "Address"), ("note", "Note"), ("bday", "Birthday"), ("url", "URL"))


def _starts(head: bytes, marker: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").upper().startswith(marker)


class CalendarReader(Reader):
    name = "icalendar"
    version = version("icalendar")
    isolated = True  # parsed in the budgeted worker (intake/budget.py)
    libraries = ("icalendar",)
    media_types = ("text/calendar",)
    extensions = ("ics", "ical", "ifb", "vcs")

    def sniff(self, source: Source, head: bytes) -> int:
        return 20 if _starts(head, b"BEGIN:VCALENDAR") else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        import icalendar

        data, cut = read_limited(source, ctx.limits.max_text_chars)
        try:
            calendars = icalendar.Calendar.from_ical(decode_text(data, "utf-8").text, multiple=True)
        except Exception as exc:  # icalendar raises ValueError and others on damaged files
            raise IntakeError(f"not a readable calendar (.ics) file ({type(exc).__name__}: {exc})") from exc
        blocks, counts = [], {"events": 0, "todos": 0}
        for cal in calendars:
            for comp in cal.walk():
                if comp.name not in ("VEVENT", "VTODO", "VJOURNAL"):
                    continue
                counts["events" if comp.name == "VEVENT" else "todos"] += 1
                lines = [f"# {comp.name[1:].title()}"]
                for key, label in _EVENT_FIELDS:
                    values = comp.get(key)
                    for value in values if isinstance(values, list) else [values]:
                        if value is not None:
                            lines.append(f"{label}: {_ical_value(value)}")
                blocks.append("\n".join(lines))
        ex = Extracted(kind="file", media_type="text/calendar", details=dict(counts))
        if cut:
            ex.details["truncated"] = f"only the first {ctx.limits.max_text_chars:,} bytes were read"
        if blocks:
            ex.texts.append(TextPart(text_role(ctx), "\n\n".join(blocks), self.name, self.version))
        return ex


def _ical_value(value: Any) -> str:
    if hasattr(value, "dt"):
        return value.dt.isoformat() if hasattr(value.dt, "isoformat") else str(value.dt)
    text = str(value)
    return text[7:] if text.lower().startswith("mailto:") else text


class VcardReader(Reader):
    name = "vobject"
    version = version("vobject")
    isolated = True  # parsed in the budgeted worker (intake/budget.py)
    libraries = ("vobject",)
    media_types = ("text/vcard", "text/x-vcard", "text/directory")
    extensions = ("vcf", "vcard")

    def sniff(self, source: Source, head: bytes) -> int:
        return 20 if _starts(head, b"BEGIN:VCARD") else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        import vobject

        data, cut = read_limited(source, ctx.limits.max_text_chars)
        decoded = decode_text(data, "utf-8")
        blocks = []
        try:
            for card in vobject.readComponents(decoded.text, ignoreUnreadable=True):
                if card.name != "VCARD":
                    continue
                lines = ["# Contact"]
                for key, label in _CARD_FIELDS:
                    for line in card.contents.get(key, []):
                        lines.append(f"{label}: {_card_value(line.value)}")
                blocks.append("\n".join(lines))
        except Exception as exc:  # vobject raises ParseError and others on damaged files
            raise IntakeError(f"not a readable contacts (.vcf) file ({type(exc).__name__}: {exc})") from exc
        ex = Extracted(kind="file", media_type="text/vcard", details={"contacts": len(blocks)})
        if cut:
            ex.details["truncated"] = f"only the first {ctx.limits.max_text_chars:,} bytes were read"
        if blocks:
            ex.texts.append(TextPart(text_role(ctx), "\n\n".join(blocks), self.name, self.version,
                                     decoded.charset, decoded.reason))
        return ex


def _card_value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_card_value(v) for v in value if v)
    parts = [str(getattr(value, a)) for a in ("street", "city", "region", "code", "country")
             if getattr(value, a, None)] if hasattr(value, "street") else []
    if parts:
        return ", ".join(parts)
    if hasattr(value, "family") or hasattr(value, "organisation"):
        return str(value).strip()
    return str(value)
