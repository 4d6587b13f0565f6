"""Maildir folders (cur/ new/ tmp/): one message per file, flags from the file name kept."""

from __future__ import annotations

from collections.abc import Iterator

from leakdesk.intake.registry import Child, Extracted, ReadContext, Reader, Source


class MaildirReader(Reader):
    name = "maildir"
    version = "1"
    container = True
    channel = "maildir"

    def sniff(self, source: Source, head: bytes) -> int:
        p = source.path
        return 20 if source.is_dir and p is not None and (p / "cur").is_dir() and (p / "new").is_dir() else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        ex = Extracted(kind="container", media_type="inode/directory")
        ex.children = self._messages(source, ex, ctx)
        return ex

    def _messages(self, source: Source, ex: Extracted, ctx: ReadContext) -> Iterator[Child]:
        assert source.path is not None
        n = 0
        for sub in ("new", "cur"):
            for path in sorted((source.path / sub).iterdir()):
                if not path.is_file() or path.name.startswith("."):
                    continue
                n += 1
                with open(path, "rb") as fh:
                    digests = ctx.store_chunks(iter(lambda: fh.read(1 << 20), b""))
                details = {"file": f"{sub}/{path.name}"}
                if ":2," in path.name:
                    details["flags"] = path.name.rsplit(":2,", 1)[1]
                yield Child(digests, f"{sub}/{path.name}", kind="email", media_type="message/rfc822", details=details)
        ex.details["messages"] = n
