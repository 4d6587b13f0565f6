"""Outlook data files (.pst, .ost) through libpff (libpff-python): every message of every folder becomes a letter.

A PST holds no message as bytes: Outlook keeps properties. Each message is therefore rebuilt as an RFC 822 message
(the transport headers as received, the plain-text or HTML body, the attachments) and stored as a derivative; the
PST file itself stays the original, and each rebuilt letter records its folder and how it was rebuilt. Unicode
and older ANSI files are read, .pst and .ost; tests write real files with tests/intake/pstwriter.py.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_string
from email.message import EmailMessage
from email.policy import default as mail_policy
from email.utils import format_datetime, formataddr
from typing import Any

from leakdesk.errors import IntakeError
from leakdesk.intake.names import safe_name
from leakdesk.intake.reading import Child, Extracted, ReadContext, Reader, Source

PST_MAGIC = b"!BDN"
MAX_FOLDER_DEPTH = 64
_DROP = {"content-type", "content-transfer-encoding", "mime-version", "content-disposition"}

# MAPI property tags ([MS-OXPROPS]) read from the record sets where pypff has no attribute for them
PID_IPM_SUBTREE_ENTRY_ID = 0x35E0
PID_SENDER_EMAIL, PID_SENDER_ADDRESS_TYPE, PID_SENDER_SMTP = 0x0C1F, 0x0C1E, 0x5D01
PID_SENT_REPRESENTING_NAME, PID_SENT_REPRESENTING_SMTP = 0x0042, 0x5D02
PID_MESSAGE_ID = 0x1035
PID_BODY, PID_HTML = 0x1000, 0x1013
PID_MESSAGE_CODEPAGE, PID_INTERNET_CODEPAGE = 0x3FFD, 0x3FDE
PID_RECIPIENT_TYPE, PID_DISPLAY_NAME, PID_ADDRESS_TYPE, PID_EMAIL, PID_SMTP = 0x0C15, 0x3001, 0x3002, 0x3003, 0x39FE
PID_ATTACH_METHOD, PID_ATTACH_FILENAME, PID_ATTACH_MIME = 0x3705, 0x3704, 0x370E
PT_STRING8, PT_UNICODE = 0x001E, 0x001F
ATTACH_EMBEDDED_MESSAGE = 5
_RECIPIENT_HEADER = {1: "To", 2: "Cc", 3: "Bcc"}
# Windows code pages whose Python codec is not simply "cp<number>"
_CODEPAGES = {65001: "utf-8", 20866: "koi8-r", 21866: "koi8-u", 20127: "us-ascii", 1200: "utf-16-le",
              50220: "iso-2022-jp", 51932: "euc-jp", 932: "shift_jis", 936: "gbk", 949: "euc-kr", 950: "big5",
              **{28590 + n: f"iso-8859-{n}" for n in range(1, 16)}}


class PstReader(Reader):
    name = "libpff"
    version = "1"  # 1: folders as Outlook names them, fields without transport headers, ANSI code pages
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
        folders: set[str] = set()
        with source.open() as fh:
            pst = pypff.file()
            try:
                pst.open_file_object(fh)
                root = pst.get_root_folder()
            except Exception as exc:  # libpff raises OSError with its own text on damaged files
                raise IntakeError(f"the Outlook data file is damaged or encrypted and cannot be opened "
                                  f"({_first_line(exc)})") from exc
            codepage = _use_letters_code_page(pst, root)
            if codepage:
                ex.details["code page of 8-bit text"] = codepage
            try:
                for folder_path, message in _walk(root, "", _top_of_folders(pst), ex):
                    count += 1
                    folders.add(folder_path)
                    if count > ctx.limits.max_children * 50:
                        ex.errors.append(f"more than {ctx.limits.max_children * 50:,} messages; the rest were not read")
                        break
                    try:
                        if isinstance(message, Exception):
                            raise message
                        letter = rebuild(message, ctx)
                    except Exception as exc:  # one damaged message must not lose the others
                        ex.errors.append(f"message {count} in the folder '{folder_path}' is damaged and cannot be "
                                         f"read ({_first_line(exc)})")
                        continue
                    yield Child(ctx.store_bytes(letter.raw), f"message {count}", kind="email",
                                media_type="message/rfc822",
                                details={"folder": folder_path, "rebuilt": letter.how},
                                error="; ".join(letter.errors) or None, warnings=letter.warnings)
            finally:
                pst.close()
                ex.details["messages"] = count
                ex.details["folders"] = len(folders)


def _first_line(exc: BaseException) -> str:
    """libpff's reason in one line: its messages run from the outermost call inwards ("pypff_x: unable to
    retrieve ... libpff_y: unsupported table signature: 0xe4. ..."); the second one says what was wrong."""
    text = " ".join(str(exc).split())
    if not text:
        return type(exc).__name__
    parts = [p for p in text.split(". ") if p]
    reason = parts[1] if len(parts) > 1 and parts[0].startswith("pypff_") else parts[0]
    return re.sub(r"^\w+: ", "", reason).rstrip(".")[:200]


def _use_letters_code_page(pst: Any, root: Any, sample: int = 20) -> str | None:
    """Tell libpff the code page of an older (ANSI) PST's 8-bit strings, from the first letters that name one.

    ANSI files keep folder names, subjects and sender names as 8-bit text without saying in which code page;
    libpff reads them as Windows-1252 unless told, so a Russian mailbox's folders and subjects come out as
    "Ïðîåêòû". The letters' own PidTagMessageCodepage says which it is. Returns the code page set, or None."""
    found = None
    folders, seen = [root], 0
    while folders and seen < sample and found is None:
        folder = folders.pop(0)
        try:
            for i in range(min(folder.number_of_sub_messages, sample - seen)):
                seen += 1
                message = folder.get_sub_message(i)
                found = _integer(message, PID_MESSAGE_CODEPAGE) or _integer(message, PID_INTERNET_CODEPAGE)
                if found:
                    break
            folders.extend(folder.get_sub_folder(i) for i in range(folder.number_of_sub_folders))
        except Exception:  # a damaged folder is reported by the walk itself
            continue
    name = (f"windows-{found}" if found and 1250 <= found <= 1258 else codec_of(found)) if found else None
    if name is None or found in (65001, 1200):
        return None
    try:
        pst.set_ascii_codepage(name)
    except Exception:  # a code page libpff does not know: its default stays
        return None
    return name


def _top_of_folders(pst: Any) -> int | None:
    """The NID of the folder Outlook shows as the top of the mailbox (the store's IPM subtree), when it is named."""
    try:
        entry = pst.get_message_store().get_record_set(0).get_entry_by_type(PID_IPM_SUBTREE_ENTRY_ID)
        data = bytes(entry.data) if entry is not None else b""
    except Exception:  # no store, or a damaged one: folder paths then start at the root
        return None
    return int.from_bytes(data[20:24], "little") if len(data) >= 24 else None


def _walk(folder: Any, path: str, top: int | None, ex: Extracted, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(folder path, message) for every message below `folder`, folders named as the mail client shows them: the
    paths start below the top of the mailbox ("Inbox/Projects"); anything outside it keeps its path from the root.
    A message libpff cannot open comes as its exception; a folder it cannot list is an error, and the walk goes on."""
    shown = path or "/"
    try:
        messages = folder.number_of_sub_messages
    except Exception as exc:  # a damaged contents table: the sub-folders may still be read
        ex.errors.append(f"the folder '{shown}' is damaged and its letters cannot be listed ({_first_line(exc)})")
        messages = 0
    try:
        folders = folder.number_of_sub_folders
    except Exception as exc:  # a damaged hierarchy table
        ex.errors.append(f"the folder '{shown}' is damaged and its sub-folders cannot be listed "
                         f"({_first_line(exc)})")
        folders = 0
    for i in range(messages):
        try:
            yield shown, folder.get_sub_message(i)
        except Exception as exc:  # a damaged message: reported by the caller, with its number
            yield shown, exc
    if not folders:
        return
    if depth >= MAX_FOLDER_DEPTH:
        ex.errors.append(f"the folder '{path}' is nested more than {MAX_FOLDER_DEPTH} deep; its sub-folders were "
                         "not read")
        return
    starts_paths = top is not None and folder.identifier == top
    for i in range(folders):
        try:
            sub = folder.get_sub_folder(i)
        except Exception as exc:  # a damaged folder: its siblings are still read
            ex.errors.append(f"sub-folder {i + 1} of the folder '{shown}' is damaged and cannot be read "
                             f"({_first_line(exc)})")
            continue
        name = (sub.name or f"folder {i + 1}").replace("/", "\u2215")  # a slash in a name is not a sub-folder
        yield from _walk(sub, name if starts_paths else f"{path}/{name}".lstrip("/"), top, ex, depth + 1)


@dataclass
class Letter:
    """One PST message rebuilt as RFC 822 bytes, with what the desk should know about how."""

    raw: bytes
    how: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _entry(item: Any, prop_id: int, record_set: int = 0) -> tuple[int, bytes] | None:
    """(value type, raw bytes) of one property of a pypff item, or None when it is absent."""
    try:
        entry = item.get_record_set(record_set).get_entry_by_type(prop_id)
    except Exception:  # no such record set, or libpff cannot read the value
        return None
    if entry is None or entry.data is None:
        return None
    return entry.value_type, bytes(entry.data)


def _text(item: Any, prop_id: int, codepage: str | None = None, record_set: int = 0) -> str | None:
    found = _entry(item, prop_id, record_set)
    if found is None:
        return None
    kind, data = found
    if kind == PT_UNICODE:
        return data.decode("utf-16-le", "replace").rstrip("\0")
    if kind == PT_STRING8:
        return data.decode(codepage or "cp1252", "replace").rstrip("\0")
    return None


def _integer(item: Any, prop_id: int, record_set: int = 0) -> int | None:
    found = _entry(item, prop_id, record_set)
    return int.from_bytes(found[1][:4], "little", signed=True) if found and len(found[1]) >= 4 else None


def codec_of(codepage: int | None) -> str | None:
    """The Python codec of a Windows code page number, or None when there is none or it is unknown."""
    if not codepage:
        return None
    name = _CODEPAGES.get(codepage, f"cp{codepage}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _address(name: str | None, email: str | None) -> str | None:
    if email and "@" not in email:
        email = None  # an Exchange X.500 address (/O=ORG/OU=...): not a mail address
    if not email:
        return name or None
    return formataddr((name or "", email)) if name and name != email else email


def _sender(message: Any, codepage: str | None) -> str | None:
    kind = (_text(message, PID_SENDER_ADDRESS_TYPE, codepage) or "").upper()
    email = _text(message, PID_SENDER_SMTP, codepage) or (
        _text(message, PID_SENDER_EMAIL, codepage) if kind in ("", "SMTP") else None)
    name = message.sender_name or _text(message, PID_SENT_REPRESENTING_NAME, codepage)
    return _address(name, email or _text(message, PID_SENT_REPRESENTING_SMTP, codepage))


def _recipients(message: Any, codepage: str | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    try:
        table = message.recipients
        count = table.number_of_record_sets if table is not None else 0
    except Exception:  # a message without a readable recipient table
        return found
    for n in range(count):
        kind = _RECIPIENT_HEADER.get(_integer(table, PID_RECIPIENT_TYPE, n) or 1, "To")
        address_type = (_text(table, PID_ADDRESS_TYPE, codepage, n) or "").upper()
        email = _text(table, PID_SMTP, codepage, n) or (
            _text(table, PID_EMAIL, codepage, n) if address_type in ("", "SMTP") else None)
        shown = _address(_text(table, PID_DISPLAY_NAME, codepage, n), email)
        if shown:
            found.setdefault(kind, []).append(shown)
    return found


def _when(message: Any) -> datetime | None:
    for name in ("client_submit_time", "delivery_time", "creation_time"):
        try:
            value = getattr(message, name)
        except Exception:  # an unreadable time: try the next one
            continue
        if isinstance(value, datetime) and value.year > 1601:
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _set_header(out: EmailMessage, name: str, value: str, problems: list[str]) -> None:
    try:
        out[name] = value
    except Exception:  # a value the header registry refuses: keep it unparsed rather than lose it
        problems.append(f"the {name} field from Outlook could not be written as a mail header")


def rebuild(message: Any, ctx: ReadContext) -> Letter:
    """An RFC 822 message from a PST message: its transport headers as received when Outlook kept them, otherwise
    the sender, recipients, date and Message-ID from Outlook's own fields; then the bodies and the attachments."""
    out = EmailMessage(policy=mail_policy)
    letter = Letter(b"", "")
    codepage = codec_of(_integer(message, PID_INTERNET_CODEPAGE)) or codec_of(_integer(message, PID_MESSAGE_CODEPAGE))
    headers = message.transport_headers or ""
    kept, names = transport_header_lines(headers)
    filled = []
    recipients = _recipients(message, codepage)
    for name, value in (("Subject", message.subject), ("From", _sender(message, codepage)),
                        *((k, ", ".join(v)) for k, v in recipients.items()),
                        ("Date", format_datetime(when) if (when := _when(message)) else None),
                        ("Message-ID", _text(message, PID_MESSAGE_ID, codepage))):
        if value and name.lower() not in names:
            _set_header(out, name, value, letter.warnings)
            filled.append(name)
    letter.how = ("from the Outlook data file's properties; " + (
        "the transport headers as received" + (f", with {', '.join(filled)} from Outlook's fields" if filled else "")
        if headers.strip() else
        f"no transport headers (a letter written or sent from this mailbox, or kept by Exchange): "
        f"{', '.join(filled) or 'nothing'} from Outlook's fields"))
    _bodies(out, message, codepage, letter, _declared_charset(headers))
    _attachments(out, message, ctx, codepage, letter)
    letter.raw = kept + out.as_bytes()
    return letter


def transport_header_lines(headers: str) -> tuple[bytes, set[str]]:
    """The transport headers as received, line for line and with their folding (Received chains, DKIM signatures
    stay as they were), without the MIME fields that described the original body; and the names kept. The rebuilt
    body's own MIME fields follow them."""
    kept: list[str] = []
    names: set[str] = set()
    keep = False
    for line in headers.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            if kept or names:
                break  # the end of the header block
            continue
        if line[0] in " \t":
            if keep and kept:
                kept[-1] += "\n" + line
            continue
        name, colon, _ = line.partition(":")
        keep = bool(colon) and bool(name.strip()) and " " not in name.strip() and name.strip().lower() not in _DROP
        if keep:
            kept.append(line)
            names.add(name.strip().lower())
    return "".join(f"{h}\n" for h in kept).encode("utf-8", "surrogateescape"), names


def _declared_charset(headers: str) -> str | None:
    """The charset a single-part text/plain letter declared in its transport headers (the one Outlook decoded it
    with), as a single-byte Python codec; None for anything else."""
    if not headers.strip():
        return None
    parsed = message_from_string(headers.replace("\r\n", "\n"))
    if parsed.get_content_type() != "text/plain" or not parsed.get("Content-Type"):
        return None
    try:
        codec = codecs.lookup(parsed.get_content_charset() or "")
    except LookupError:
        return None
    return codec.name if len("я".encode(codec.name, "replace")) == 1 and not codec.name.startswith("utf") else None


def _bodies(out: EmailMessage, message: Any, codepage: str | None, letter: Letter, declared: str | None) -> None:
    plain = _text(message, PID_BODY, codepage)
    if plain is None and message.plain_text_body:
        plain = message.plain_text_body.decode("utf-8", "replace")
    html = _entry(message, PID_HTML)
    as_received = _encoded(plain, declared)
    if as_received is not None:  # the bytes as received, under their own label: the email reader checks the label
        out.set_content(as_received, maintype="text", subtype="plain", cte="base64", params={"charset": declared})
    elif plain is not None:
        out.set_content(plain, subtype="plain")
    if html is not None:
        kind, data = html
        if kind == PT_UNICODE:
            part: tuple[Any, ...] = (data.decode("utf-16-le", "replace"),)
            params: dict[str, Any] = {"subtype": "html"}
        else:  # bytes in the letter's code page: kept as they are, labelled, and read by the email reader
            part, params = (data,), {"maintype": "text", "subtype": "html", "cte": "base64",
                                     "params": {"charset": codepage} if codepage else {}}
        (out.add_alternative if plain is not None else out.set_content)(*part, **params)
    if plain is None and html is None:
        rtf = message.rtf_body
        out.set_content("")
        if rtf:
            out.add_attachment(bytes(rtf).rstrip(b"\0"), maintype="text", subtype="rtf", filename="message body.rtf")
            letter.warnings.append("the letter's body exists only as RTF; it is kept as the attachment "
                                   "'message body.rtf'")


def _encoded(text: str | None, codec: str | None) -> bytes | None:
    if text is None or codec is None:
        return None
    try:
        return text.encode(codec)
    except UnicodeEncodeError:  # not what Outlook decoded with: keep the text as it is
        return None


def _attachments(out: EmailMessage, message: Any, ctx: ReadContext, codepage: str | None, letter: Letter) -> None:
    for n in range(message.number_of_attachments):
        try:
            att = message.get_attachment(n)
            if _integer(att, PID_ATTACH_METHOD) == ATTACH_EMBEDDED_MESSAGE:
                name, _ = safe_name(_text(att, PID_DISPLAY_NAME, codepage) or _text(att, PID_ATTACH_FILENAME, codepage))
                letter.errors.append(f"attachment {n + 1}{f' ({name!r})' if name else ''} is an attached Outlook "
                                     "item (a forwarded letter or other item); libpff-python cannot open such items, "
                                     "so it was not extracted (the PST is kept as the original)")
                continue
            size = att.get_size() or 0
            if size > ctx.limits.max_total_bytes:
                letter.errors.append(f"attachment {n + 1} is larger than the limit; not extracted")
                continue
            data = att.read_buffer(size) if size else b""
        except Exception as exc:  # one unreadable attachment must not lose the letter
            letter.errors.append(f"attachment {n + 1} cannot be read ({_first_line(exc)})")
            continue
        declared = (getattr(att, "long_filename", None) or _text(att, PID_ATTACH_FILENAME, codepage)
                    or _text(att, PID_DISPLAY_NAME, codepage) or f"attachment-{n + 1}")
        filename, problem = safe_name(declared)
        if problem:
            letter.warnings.append(problem)
        maintype, _, subtype = (_text(att, PID_ATTACH_MIME, codepage) or "").strip().lower().partition("/")
        if (maintype == "multipart" or not (maintype.isascii() and maintype.isalpha() and subtype.isascii()
                                            and subtype and " " not in subtype)):
            maintype, subtype = "application", "octet-stream"
        out.add_attachment(bytes(data), maintype=maintype, subtype=subtype, filename=filename or f"attachment-{n + 1}")
