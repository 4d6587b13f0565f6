"""Checkpoints and anchors: what the desk knows about a case's audit log, kept outside the case.

A checkpoint is a statement of the log's head (seq, hash, time, counts of originals and dispatches) signed with the
desk key; the desk keeps a copy in its home and gives the file to whoever should be able to check the case later.
An anchor is the desk's note, made the first time it opens a case, of the entry from which it sealed the log.
Comparing with them catches what a chain alone cannot: entries deleted from the end, or a log rebuilt from scratch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import UsageError
from leakdesk.store import tables as t
from leakdesk.store.keys import DeskKey, canonical_bytes, desk_home, key_id_of, signature_holds, write_private

FORMAT = "leakdesk-checkpoint/1"


def case_id_of(conn: sa.Connection) -> str | None:
    """A case's identity: the hash of its first audit entry (case.init), None when there is none."""
    return conn.execute(sa.select(t.audit.c.hash).where(t.audit.c.seq == 1)).scalar()


def head_statement(conn: sa.Connection, case_id: str, case_name: str) -> dict[str, Any]:
    """The head of the log and the counts a checkpoint vouches for, read in the caller's transaction."""
    head = conn.execute(sa.select(t.audit).order_by(t.audit.c.seq.desc()).limit(1)).one()
    count = lambda table: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()  # noqa: E731
    return {
        "format": FORMAT,
        "case_id": case_id,
        "case": case_name,
        "seq": head.seq,
        "hash": head.hash,
        "entry_time": head.time,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "originals": count(t.original),
        "dispatches": count(t.dispatch),
    }


def sign(statement: dict[str, Any], key: DeskKey) -> dict[str, Any]:
    import base64

    signed = {**statement, "key_id": key.key_id, "public_key": base64.b64encode(key.public_bytes).decode("ascii")}
    return {"statement": signed, "signature": key.sign(signed)}


def timestamped_bytes(checkpoint: dict[str, Any]) -> bytes:
    """What an RFC 3161 timestamp of a checkpoint covers: its statement and signature."""
    return canonical_bytes({"statement": checkpoint["statement"], "signature": checkpoint["signature"]})


def add_timestamp(checkpoint: dict[str, Any], tsa_url: str) -> None:
    from leakdesk.secrets import redact_url
    from leakdesk.store.timestamp import request_timestamp

    token, when = request_timestamp(timestamped_bytes(checkpoint), tsa_url)
    checkpoint["timestamp"] = {"tsa": redact_url(tsa_url), "time": when.isoformat(), "token": token}


def local_dir(case_id: str) -> Path:
    return desk_home() / "checkpoints" / case_id


def save(checkpoint: dict[str, Any], out: Path) -> Path:
    """Write the checkpoint to `out` and keep a copy in the desk's home; returns the copy's path."""
    data = (json.dumps(checkpoint, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        write_private(out, data)
    except OSError as exc:
        raise UsageError(f"Could not write the checkpoint to {out} ({exc.strerror}).") from exc
    st = checkpoint["statement"]
    copy = local_dir(st["case_id"]) / f"{st['seq']:09d}.json"
    write_private(copy, data)
    return copy


def latest_local(case_id: str) -> Path | None:
    """The newest checkpoint of this case kept in the desk's home."""
    folder = local_dir(case_id)
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return files[-1] if files else None


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
        statement, signature = data["statement"], data["signature"]
        if statement["format"] != FORMAT:
            raise ValueError
    except FileNotFoundError as exc:
        raise UsageError(f"The checkpoint file {path} does not exist.") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not a checkpoint file written by leakdesk.") from exc
    loaded = {"statement": statement, "signature": signature}
    if isinstance(data.get("timestamp"), dict):
        loaded["timestamp"] = data["timestamp"]
    return loaded


@dataclass
class CheckpointResult:
    """How the case compares with one checkpoint."""

    file: str
    seq: int
    time: str
    key_id: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timestamp: str | None = None  # the TSA's time, when its timestamp was verified


def compare(
    conn: sa.Connection,
    path: Path,
    key: DeskKey | None,
    case_id: str | None,
    tsa_roots: list[Path] | None = None,
    expected_key: str | None = None,
) -> CheckpointResult:
    """Check the signature (by `expected_key`, a key id, when given; and the timestamp, given the TSA's roots),
    then that the entry the checkpoint names is still there, unchanged, and that the counts held."""
    cp = load(path)
    st = cp["statement"]
    res = CheckpointResult(str(path), int(st.get("seq", 0)), str(st.get("time", "?")), str(st.get("key_id", "?")))
    if not signature_holds(str(st.get("public_key", "")), st, cp["signature"]) or res.key_id != key_id_of(
        _b64(st.get("public_key", ""))
    ):
        res.problems.append(f"The checkpoint {path} is not validly signed: it was altered after it was written.")
        return res
    if expected_key is not None and res.key_id != expected_key:
        res.problems.append(
            f"The checkpoint is signed by desk key {res.key_id}, not by {expected_key}: it is not a checkpoint of "
            "the desk you trust."
        )
    elif expected_key is None and (key is None or res.key_id != key.key_id):
        res.notes.append(
            f"The checkpoint is signed by desk key {res.key_id}, not by this desk's key; make sure that is the key "
            "of the desk that gave it to you."
        )
    _check_timestamp(cp, tsa_roots or [], res)
    if case_id is not None and st["case_id"] != case_id:
        res.problems.append(
            "The checkpoint belongs to another case, or the first audit entry (case.init) was rewritten."
        )
    row = conn.execute(sa.select(t.audit.c.hash).where(t.audit.c.seq == res.seq)).first()
    last = conn.execute(sa.select(sa.func.max(t.audit.c.seq))).scalar() or 0
    if row is None:
        res.problems.append(
            f"The audit log ends at entry {last}, but the checkpoint of {res.time} recorded entry {res.seq}: "
            "entries were deleted from the end (or the case was put back from an older copy)."
        )
    elif row.hash != st["hash"]:
        res.problems.append(
            f"Audit entry {res.seq} differs from the checkpoint of {res.time}: the log was rewritten."
        )
    for table, word in ((t.original, "originals"), (t.dispatch, "dispatches")):
        now = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if now < int(st[word]):
            res.problems.append(f"The case holds {now} {word}; the checkpoint of {res.time} counted {st[word]}.")
    return res


def _check_timestamp(cp: dict[str, Any], roots: list[Path], res: CheckpointResult) -> None:
    from leakdesk.errors import StoreError
    from leakdesk.store.timestamp import verify_timestamp

    stamp = cp.get("timestamp")
    if stamp is None:
        if roots:
            res.problems.append("The checkpoint carries no timestamp, though a time-stamping authority was given.")
        return
    if not roots:
        res.notes.append(
            f"The checkpoint carries a timestamp from {stamp.get('tsa')} ({stamp.get('time')}); give --tsa-root "
            "to verify it."
        )
        return
    try:
        when = verify_timestamp(str(stamp.get("token", "")), timestamped_bytes(cp), roots)
    except StoreError as exc:
        res.problems.append(str(exc))
        return
    res.timestamp = when.isoformat()


def _b64(value: Any) -> bytes:
    import base64

    try:
        return base64.b64decode(str(value), validate=True)
    except ValueError:
        return b""


# --------------------------------------------------------------------------- anchors


def anchor_path(case_id: str) -> Path:
    return desk_home() / "cases" / f"{case_id}.json"


def load_anchor(case_id: str | None) -> dict[str, Any] | None:
    if case_id is None:
        return None
    try:
        data = json.loads(anchor_path(case_id).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def ensure_anchor(conn: sa.Connection, case_id: str, key: DeskKey, folder: Path) -> None:
    """The first time this desk opens a case: note from which entry on it seals the log."""
    if anchor_path(case_id).exists():
        return
    first = conn.execute(
        sa.select(sa.func.min(t.audit_seal.c.seq)).where(t.audit_seal.c.key_id == key.key_id)
    ).scalar()
    if first is None:
        first = (conn.execute(sa.select(sa.func.max(t.audit.c.seq))).scalar() or 0) + 1
    anchor = {"case_id": case_id, "key_id": key.key_id, "sealed_from": first, "folder": str(folder.resolve()),
              "noted": datetime.now(UTC).isoformat(timespec="seconds")}
    write_private(anchor_path(case_id), (json.dumps(anchor, indent=2) + "\n").encode("utf-8"))
