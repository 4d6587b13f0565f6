"""Fetch a mailbox folder over IMAP into the case: resumable, idempotent, and it never marks mail as read.

The folder's UIDVALIDITY and the last UID fetched are kept in `imap_state`, so a re-run asks only for newer UIDs.
Each message is ingested (and committed) on its own before the state moves past it: a crash re-fetches at most
one message, which the store recognises by its bytes. If the server renumbered the folder (UIDVALIDITY changed),
the whole folder is read again; dedup by bytes keeps that idempotent.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl as ssl_lib
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from leakdesk.errors import IntakeError, UsageError
from leakdesk.store.records import imap_state as imap_records

BATCH = 25  # at most this many messages per FETCH: few round trips ...
BATCH_BYTES = 32 * 1024 * 1024  # ... and at most this many bytes (a large message travels alone)
TIMEOUT = 60.0  # seconds without an answer before the server is considered gone


@dataclass
class ImapResult:
    """What one run fetched. `failed` counts messages the case recorded with status 'error'."""

    mailbox: str
    uidvalidity: int
    messages_in_folder: int = 0
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    failed: int = 0
    first_uid: int | None = None
    last_uid: int = 0
    rescanned: bool = False
    previous_uidvalidity: int | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary_lines(self) -> list[str]:
        lines = []
        if self.rescanned:
            lines.append(
                f"The folder's UIDVALIDITY changed (was {self.previous_uidvalidity}, now {self.uidvalidity}): the "
                "server renumbered its messages, so the whole folder was read again; messages already in the case "
                "were recognised by their bytes and not added twice."
            )
        if not self.fetched:
            lines.append(f"{self.mailbox}: nothing new ({self.messages_in_folder} messages in the folder).")
        else:
            lines.append(
                f"{self.mailbox}: fetched {self.fetched} messages (UID {self.first_uid}-{self.last_uid}): "
                f"{self.new} new, {self.duplicates} already in the case, {self.failed} with errors."
            )
        lines.extend(self.errors)
        return lines


def read_password_file(path: Path) -> str:
    """The password in `path`: its text without one trailing newline. Never printed or logged."""
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise UsageError(f"The password file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"The password file {path} cannot be read ({type(exc).__name__}).") from None
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if not text:
        raise UsageError(f"The password file {path} is empty.")
    return text


def mailbox_key(user: str, host: str, port: int, folder: str) -> str:
    return f"{user}@{host}:{port}/{folder}"


# --------------------------------------------------------------------------- folder names (RFC 3501 §5.1.3)


def encode_folder(name: str) -> str:
    """A folder name as IMAP wants it on the wire: modified UTF-7, quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            import base64

            chunk = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii").rstrip("=")
            out.append("&" + chunk.replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    wire = "".join(out)
    return '"' + wire.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_folder(wire: str) -> str:
    import base64

    def one(m: re.Match[str]) -> str:
        body = m.group(1)
        if not body:
            return "&"
        data = body.replace(",", "/")
        return base64.b64decode(data + "=" * (-len(data) % 4)).decode("utf-16-be")

    return re.sub(r"&([^-]*)-", one, wire)


# --------------------------------------------------------------------------- the server


def _where(host: str, port: int) -> str:
    return f"the IMAP server {host}:{port}"


def connect(
    host: str, port: int, *, ssl: bool = True, starttls: bool = False, timeout: float = TIMEOUT
) -> imaplib.IMAP4:
    """Open a connection (TLS from the start, or plain upgraded with STARTTLS, or plain); failures are sentences."""
    where = _where(host, port)
    try:
        if ssl and not starttls:
            return imaplib.IMAP4_SSL(host, port, ssl_context=ssl_lib.create_default_context(), timeout=timeout)
        client = imaplib.IMAP4(host, port, timeout=timeout)
        if starttls:
            if "STARTTLS" not in client.capabilities:
                _logout(client)
                raise IntakeError(
                    f"The IMAP server {host}:{port} does not offer STARTTLS, so it cannot be used securely."
                )
            client.starttls(ssl_lib.create_default_context())
        return client
    except ssl_lib.SSLCertVerificationError as exc:
        raise IntakeError(
            f"Cannot connect securely to {where}: its TLS certificate is not trusted ({exc.verify_message})."
        ) from None
    except ssl_lib.SSLError as exc:
        raise IntakeError(
            f"Cannot connect securely to {where}: the TLS handshake failed ({exc.reason or exc}). "
            "Check the port (IMAP over TLS is usually 993); use --no-ssl only for a server on a trusted network."
        ) from None
    except ConnectionRefusedError:
        raise IntakeError(
            f"Cannot connect to {where}: the connection was refused (wrong port, or the server is not running)."
        ) from None
    except socket.gaierror:
        raise IntakeError(f"Cannot connect to {where}: the server name {host} is unknown.") from None
    except TimeoutError:
        raise IntakeError(f"Cannot connect to {where}: it did not answer within {timeout:.0f} seconds.") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise IntakeError(f"Cannot connect to {where}: {exc}.") from None


def login(client: imaplib.IMAP4, host: str, port: int, user: str, password: str) -> None:
    try:
        if (user + password).isascii():
            client.login(user, password)
        else:  # LOGIN is ASCII-only; SASL PLAIN carries UTF-8 (RFC 4616)
            credentials = f"\0{user}\0{password}".encode()
            client.authenticate("PLAIN", lambda _challenge: credentials)
    except imaplib.IMAP4.error:
        if "LOGINDISABLED" in client.capabilities:
            raise IntakeError(
                f"The IMAP server {host}:{port} does not allow logging in without TLS; drop --no-ssl."
            ) from None
        raise IntakeError(
            f"The IMAP server {host}:{port} refused the login of user {user!r}: wrong user name or password."
        ) from None


def _folders(client: imaplib.IMAP4) -> list[str]:
    typ, data = client.list()
    names = []
    for line in data if typ == "OK" else []:
        if isinstance(line, bytes) and (m := re.search(rb'\) (?:"[^"]*"|NIL) (.+)$', line)):
            names.append(decode_folder(m.group(1).decode("ascii", "replace").strip('"')))
    return sorted(names)


def select(client: imaplib.IMAP4, host: str, port: int, folder: str) -> tuple[int, int]:
    """Open `folder` read-only (EXAMINE: flags never change); returns (UIDVALIDITY, number of messages)."""
    typ, data = client.select(encode_folder(folder), readonly=True)
    if typ != "OK":
        known = ", ".join(_folders(client)) or "none"
        raise IntakeError(f"The folder {folder!r} does not exist on {_where(host, port)} (folders there: {known}).")
    _, validity = client.response("UIDVALIDITY")
    if not validity or validity[0] is None:
        raise IntakeError(
            f"The IMAP server {host}:{port} gave no UIDVALIDITY for {folder!r}; it cannot be fetched resumably."
        )
    return int(validity[0]), int(data[0] or 0)


def new_uids(client: imaplib.IMAP4, after: int) -> list[int]:
    """UIDs above `after` (the server always answers `n:*` with at least the last message, so filter)."""
    typ, data = client.uid("SEARCH", "UID", f"{after + 1}:*")
    if typ != "OK":
        raise IntakeError(f"The server refused to list the messages: {data!r}.")
    return sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > after)


_FETCH_HEAD = re.compile(rb"UID (\d+)|INTERNALDATE \"([^\"]+)\"")


def batches(client: imaplib.IMAP4, uids: list[int]) -> Iterator[list[int]]:
    """UIDs in groups bounded by count and by total size, so memory stays bounded whatever the mailbox holds."""
    for start in range(0, len(uids), BATCH * 4):
        group = uids[start : start + BATCH * 4]
        typ, data = client.uid("FETCH", ",".join(map(str, group)), "(UID RFC822.SIZE)")
        sizes: dict[int, int] = {}
        for line in data if typ == "OK" else []:
            uid_m = re.search(rb"UID (\d+)", line) if isinstance(line, bytes) else None
            size_m = re.search(rb"RFC822\.SIZE (\d+)", line) if isinstance(line, bytes) else None
            if uid_m and size_m:
                sizes[int(uid_m.group(1))] = int(size_m.group(1))
        batch: list[int] = []
        total = 0
        for uid in group:
            size = sizes.get(uid, 0)
            if batch and (len(batch) >= BATCH or total + size > BATCH_BYTES):
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += size
        if batch:
            yield batch


def fetch(client: imaplib.IMAP4, uids: list[int]) -> Iterator[tuple[int, str | None, bytes]]:
    """(uid, internal date, raw bytes) for each UID, in UID order. BODY.PEEK never sets \\Seen."""
    for batch in batches(client, uids):
        typ, data = client.uid("FETCH", ",".join(map(str, batch)), "(UID INTERNALDATE BODY.PEEK[])")
        if typ != "OK":
            raise IntakeError(f"The server refused to send messages {batch[0]}-{batch[-1]}: {data!r}.")
        got: dict[int, tuple[str | None, bytes]] = {}
        for item in data:
            if not isinstance(item, tuple):
                continue
            uid, date = None, None
            for m in _FETCH_HEAD.finditer(item[0]):
                if m.group(1):
                    uid = int(m.group(1))
                if m.group(2):
                    date = m.group(2).decode("ascii", "replace")
            if uid is not None:
                got[uid] = (date, item[1])
        for uid in batch:
            if uid in got:  # a message deleted meanwhile is simply absent
                yield uid, got[uid][0], got[uid][1]


# --------------------------------------------------------------------------- state


# --------------------------------------------------------------------------- the run


def fetch_mailbox(
    case: Any,
    host: str,
    port: int,
    user: str,
    password: str,
    folder: str,
    ssl: bool = True,
    series: str | None = None,
    progress: bool = True,
    starttls: bool = False,
) -> ImapResult:
    """Fetch every message of `folder` not fetched before and ingest it (channel 'imap')."""
    key = mailbox_key(user, host, port, folder)
    client = connect(host, port, ssl=ssl, starttls=starttls)
    try:
        login(client, host, port, user, password)
        uidvalidity, count = select(client, host, port, folder)
        with case.connect() as conn:
            state = imap_records.load(conn, key)
        result = ImapResult(key, uidvalidity, messages_in_folder=count)
        after = 0
        if state is not None and state[0] == uidvalidity:
            after = result.last_uid = state[1]
        elif state is not None:
            result.rescanned, result.previous_uidvalidity = True, state[0]
            with case.transaction() as conn:
                imap_records.save(conn, key, uidvalidity, 0)
                case.audit(conn, "imap.rescan", key, {"uidvalidity_was": state[0], "uidvalidity": uidvalidity})
        uids = new_uids(client, after)
        if uids:
            from leakdesk.intake.ingest import ingest_message_bytes
        base = f"imap://{quote(user, safe='')}@{host}:{port}/{quote(folder, safe='')}"
        with _progress(progress, len(uids), key) as advance:
            for uid, internaldate, raw in fetch(client, uids):
                outcome = _ingest_one(ingest_message_bytes, case, raw, base, uidvalidity, uid, internaldate, series)
                _count(result, outcome, uid)
                with case.transaction() as conn:  # after the message's own commit: a crash re-fetches one message
                    imap_records.save(conn, key, uidvalidity, uid)
                advance()
        if state is None and not uids:
            with case.transaction() as conn:  # remember the folder (and its UIDVALIDITY) even when empty
                imap_records.save(conn, key, uidvalidity, 0)
        if result.fetched or state is None:
            with case.transaction() as conn:
                case.audit(conn, "imap.fetch", key, _audit_details(result))
        return result
    except (imaplib.IMAP4.abort, OSError) as exc:
        raise IntakeError(
            f"The connection to {_where(host, port)} was lost ({exc}); what was fetched is kept: run the same "
            "command again to continue."
        ) from None
    except imaplib.IMAP4.error as exc:
        raise IntakeError(f"The IMAP server {host}:{port} answered in a way leakdesk did not expect: {exc}.") from None
    finally:
        _logout(client)


def _ingest_one(
    ingest: Any, case: Any, raw: bytes, base: str, uidvalidity: int, uid: int, internaldate: str | None, series: Any
) -> Any:
    location = f"UID {uid}" + (f", received by the server {internaldate}" if internaldate else "")
    try:
        return ingest(
            case,
            raw,
            channel="imap",
            source=f"{base};UIDVALIDITY={uidvalidity};UID={uid}",
            location=location,
            series=series,
        )
    except OSError as exc:  # the case's disk, not the server: say so rather than "connection lost"
        raise IntakeError(
            f"Message UID {uid} could not be stored in the case ({exc.strerror or exc}); the messages before it "
            "are kept: fix the problem and run the same command again."
        ) from None


def _count(result: ImapResult, outcome: Any, uid: int) -> None:
    result.fetched += 1
    result.first_uid = result.first_uid or uid
    result.last_uid = uid
    if getattr(outcome, "status", "ok") == "error":
        result.failed += 1
        result.errors.append(f"Message UID {uid}: {getattr(outcome, 'error', None) or 'could not be read'}")
    if getattr(outcome, "created", True):
        result.new += 1
    else:
        result.duplicates += 1


def _audit_details(result: ImapResult) -> dict[str, Any]:
    keys = ("uidvalidity", "fetched", "new", "duplicates", "failed", "first_uid", "last_uid", "rescanned")
    return {k: getattr(result, k) for k in keys}


def _logout(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


class _progress:
    """A Rich progress bar on stderr, only when asked for and stderr is a terminal."""

    def __init__(self, enabled: bool, total: int, label: str) -> None:
        self.bar: Any = None
        if enabled and total and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            from rich.markup import escape

            self.task = self.bar.add_task(f"Fetching {escape(label)}", total=total)  # a folder name is not markup

    def __enter__(self) -> Any:
        if self.bar is None:
            return lambda: None
        self.bar.start()
        return lambda: self.bar.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
