"""The fallback for bytes no reader recognises: kept as an original, no text."""

from __future__ import annotations

from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source


def looks_binary(head: bytes) -> bool:
    head = head[:1024]
    if not head:
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return control / len(head) > 0.05


class UnknownReader(Reader):
    name = "unknown"
    version = "1"

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        ex = Extracted(kind="file", media_type=source.media_type or "application/octet-stream")
        what = f"'.{source.extension}' files" if source.extension else "files without an extension"
        kind = "binary data" if looks_binary(source.head()) else "unrecognised text"
        if ctx.top_level:
            ex.errors.append(
                f"not a kind of file leakdesk can read (it has no reader for {what}; the content looks like {kind}); "
                "the bytes are kept as an original"
            )
        else:
            ex.details["note"] = f"no text extracted ({source.media_type or kind})"
        return ex
