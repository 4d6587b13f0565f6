"""Outlook data files (.pst, .ost) through libpff (libpff-python): every message of every folder becomes a letter.

A PST holds no message as bytes: Outlook keeps properties. Each message is therefore rebuilt as an RFC 822 message
(the transport headers as received, the plain-text or HTML body, the attachments) and stored as a derivative; the
PST file itself stays the original, and each rebuilt letter records its folder and that it was rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import HeaderParser
from email.policy import SMTP
from typing import Any

from leakdesk.errors import IntakeError
from leakdesk.intake.names import safe_name
from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source

PST_MAGIC = b"!BDN"
_DROP = {"content-type", "content-transfer-encoding", "mime-version", "content-disposition"}


class PstReader(Reader):
    name = "libpff"
    version = "0"
    media_types = ("application/vnd.ms-outlook-pst", "application/vnd.ms-outlook-ost")
    extensions = ("pst", "ost")
    magic = (PST_MAGIC,)
    container = True
    channel = "pst"

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        try:
            import pypff
        except ImportError as exc:
            raise IntakeError("reading Outlook .pst/.ost files needs libpff-python, which is not installed here; "
                              "the file is kept as an original but its messages were not read") from exc
        if not source.head(4).startswith(PST_MAGIC):
            raise IntakeError("not an Outlook data file although it is named or labelled as .pst/.ost "
                              "(it does not start with '!BDN')")
        ex = Extracted(kind="container", media_type=self.media_types[source.extension == "ost"])
        ex.details["libpff"] = pypff.get_version()
        ex.children = self._messages(pypff, ctx, ex, source)
        return ex

    def _messages(self, pypff: Any, ctx: ReadContext, ex: Extracted, source: Source) -> Iterator[Child]:
        count = 0
        with source.open() as fh:
            pst = pypff.file()
            try:
                pst.open_file_object(fh)
                root = pst.get_root_folder()
            except Exception as exc:  # libpff raises OSError with its own text on damaged files
                raise IntakeError(f"the Outlook data file is damaged or encrypted and cannot be opened "
                                  f"({str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__})") from exc
            try:
                for folder_path, message in _walk(root, ""):
                    count += 1
                    if count > ctx.limits.max_children * 50:
                        ex.errors.append(f"more than {ctx.limits.max_children * 50:,} messages; the rest were not read")
                        break
                    try:
                        raw, problems = rebuild(message, ctx)
                    except Exception as exc:  # one damaged message must not lose the others
                        ex.errors.append(f"message {count} in '{folder_path}' cannot be read ({type(exc).__name__})")
                        continue
                    yield Child(ctx.store_bytes(raw), f"message {count}", kind="email", media_type="message/rfc822",
                                details={"folder": folder_path, "rebuilt": "from the Outlook data file's properties"},
                                error="; ".join(problems) or None)
            finally:
                pst.close()
                ex.details["messages"] = count


def _walk(folder: Any, path: str) -> Iterator[tuple[str, Any]]:
    for i in range(folder.number_of_sub_messages):
        yield path or "/", folder.get_sub_message(i)
    for i in range(folder.number_of_sub_folders):
        sub = folder.get_sub_folder(i)
        yield from _walk(sub, f"{path}/{sub.name or f'folder {i + 1}'}")


def rebuild(message: Any, ctx: ReadContext) -> tuple[bytes, list[str]]:
    """An RFC 822 message from a PST message's transport headers, body and attachments."""
    out = EmailMessage(policy=SMTP)
    headers = message.transport_headers or ""
    for name, value in HeaderParser().parsestr(headers, headersonly=True).items():
        if name.lower() not in _DROP:
            out[name] = value
    if "Subject" not in out and message.subject:
        out["Subject"] = message.subject
    if "From" not in out and message.sender_name:
        out["From"] = message.sender_name
    body = message.plain_text_body
    html = message.html_body
    if body:
        out.set_content(body.decode("utf-8", "replace"), subtype="plain")
    elif html:
        out.set_content(html.decode("utf-8", "replace"), subtype="html")
    else:
        out.set_content("")
    problems = []
    for n in range(message.number_of_attachments):
        att = message.get_attachment(n)
        size = att.get_size() or 0
        if size > ctx.limits.max_total_bytes:
            problems.append(f"attachment {n + 1} is larger than the limit; not extracted")
            continue
        data = att.read_buffer(size) if size else b""
        filename, problem = safe_name(getattr(att, "long_filename", None) or f"attachment-{n + 1}")
        if problem:
            problems.append(problem)
        out.add_attachment(data, maintype="application", subtype="octet-stream",
                           filename=filename or f"attachment-{n + 1}")
    return out.as_bytes(), problems
