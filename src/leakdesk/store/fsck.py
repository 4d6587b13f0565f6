"""Check a case: originals re-hashed and their folder inspected, references resolved, the audit log walked (chain,
seals, guards, the case.init entry), each dispatch's rows re-derived against its audited digest, and the head
compared with the desk's anchor and the last checkpoint. Problems make the case "damaged"; warnings do not.
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk.errors import IntegrityError
from leakdesk.store import audit as audit_log
from leakdesk.store import checkpoint as checkpoints
from leakdesk.store import tables as t
from leakdesk.store.digests import changed_parts, rows_digests
from leakdesk.store.keys import DeskKey, desk_key
from leakdesk.store.originals import PACK_MEDIA_TYPE, Digests, Originals, Slice, describe_mode

SQLITE_GUARDS = ("audit_no_update", "audit_no_delete", "audit_seal_no_update", "audit_seal_no_delete")
POSTGRES_GUARDS = ("audit_append_only", "audit_no_truncate", "audit_seal_append_only", "audit_seal_no_truncate")
MAX_LISTED = 20  # privacy warnings listed one by one before they are summed up


@dataclass
class FsckReport:
    originals_checked: int = 0
    audit_rows: int = 0
    head: dict[str, Any] | None = None
    damaged_originals: list[dict[str, str]] = field(default_factory=list)
    missing_originals: list[dict[str, str]] = field(default_factory=list)
    broken_audit_rows: list[dict[str, Any]] = field(default_factory=list)
    dangling_references: list[dict[str, Any]] = field(default_factory=list)
    changed_dispatches: list[dict[str, Any]] = field(default_factory=list)
    deleted_dispatches: list[dict[str, Any]] = field(default_factory=list)
    originals_folder: list[dict[str, str]] = field(default_factory=list)  # stray files, symlinks, modes, FIFOs
    problems: list[str] = field(default_factory=list)  # case-wide: case.init, guards, checkpoint
    warnings: list[str] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not (
            self.damaged_originals
            or self.missing_originals
            or self.broken_audit_rows
            or self.dangling_references
            or self.changed_dispatches
            or self.deleted_dispatches
            or self.originals_folder
            or self.problems
        )

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, **asdict(self)}


def _referenced_shas(conn: sa.Connection) -> dict[str, list[str]]:
    """sha256 -> the places that refer to it (tables with an `original_sha256` or `sha256` FK column)."""
    refs: dict[str, list[str]] = {}
    for table in t.metadata.sorted_tables:
        for col in table.columns:
            if any(fk.column.table is t.original for fk in col.foreign_keys):
                pk = list(table.primary_key.columns)[0]
                for row in conn.execute(sa.select(pk, col).where(col.is_not(None))):
                    refs.setdefault(row[1], []).append(f"{table.name} {row[0]}")
    return refs


def fsck(
    conn: sa.Connection,
    originals: Originals,
    checkpoint: Path | None = None,
    case_id: str | None = None,
    key: DeskKey | None = None,
    tsa_roots: list[Path] | None = None,
    checkpoint_key: str | None = None,
) -> FsckReport:
    """Check everything; `checkpoint`: compare with this file (default: the newest one the desk kept).

    `case_id`: the case's identity when its first audit entry is gone (from case.json); `key`: the desk key;
    `tsa_roots`: root certificates (PEM) to verify the checkpoint's RFC 3161 timestamp with; `checkpoint_key`: the
    id of the desk key the checkpoint must be signed with (a partner checking another desk's case).
    """
    report = FsckReport()
    key = key or desk_key(create=False)
    case_id = checkpoints.case_id_of(conn) or case_id
    _check_originals(conn, originals, report)
    anchor = checkpoints.load_anchor(case_id)
    sealed_from = anchor["sealed_from"] if anchor and key and anchor.get("key_id") == key.key_id else None
    chain = audit_log.verify_chain(conn, key, sealed_from)
    report.audit_rows, report.head = chain.entries, chain.head
    report.broken_audit_rows = [{"seq": b.seq, "problem": b.problem} for b in chain.broken]
    _check_start_and_seals(chain, anchor, key, report)
    _check_guards(conn, report)
    _check_digests(conn, chain, report)
    _check_checkpoint(conn, checkpoint, case_id, key, report, tsa_roots, checkpoint_key)
    _check_privacy(originals.root.parent, originals.root, report)
    if key is not None and os.path.exists(key.path) and key.path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        report.warnings.append(f"The desk key {key.path} can be read by other users; make it private (chmod 600).")
    return report


# --------------------------------------------------------------------------- originals


def _check_originals(conn: sa.Connection, originals: Originals, report: FsckReport) -> None:
    recorded = {r.sha256: r for r in conn.execute(sa.select(t.original))}
    sliced: dict[str, list[tuple[str, Slice]]] = {}  # container -> (member, slice) kept inside it
    for r in conn.execute(sa.select(t.original_slice)):
        if r.sha256 in recorded:  # a slice row without its original row is a dangling reference (below)
            sliced.setdefault(r.container_sha256, []).append(
                (r.sha256, Slice(r.container_sha256, int(r.byte_offset), int(recorded[r.sha256].size))))
    in_slices = {sha for members in sliced.values() for sha, _s in members}
    flagged: set[str] = set()
    for finding in originals.inspect_folder(set(recorded)):
        if finding.severity == "problem":
            report.originals_folder.append({"path": finding.path, "problem": finding.problem})
            if finding.sha256:
                flagged.add(finding.sha256)
        else:
            report.warnings.append(f"{finding.path}: {finding.problem}.")
    for sha, row in recorded.items():
        report.originals_checked += 1
        if sha in flagged:
            continue  # a symlink or FIFO in its place is already reported; it is never opened
        path = originals.path(sha)
        if not os.path.lexists(path):
            if sha not in in_slices:
                report.missing_originals.append({"sha256": sha, "problem": "missing from the originals folder"})
            continue  # a slice: checked with its container below
        try:
            d = originals.stored_digests(sha)
        except IntegrityError:
            report.damaged_originals.append(
                {"sha256": sha, "problem": "its encrypted bytes were altered (they no longer decrypt)"}
            )
            continue
        _compare(sha, row, d, report, "is no longer a regular file")
    for container, members in sorted(sliced.items()):
        _check_slices(originals, container, members, recorded, flagged, report)
    _name_dispatches(conn, recorded, in_slices, report)
    for sha, places in _referenced_shas(conn).items():
        if sha not in recorded:
            report.dangling_references.append({"sha256": sha, "referenced_by": places})


def _compare(sha: str, row: Any, d: Digests | None, report: FsckReport, absent: str, where: str | None = None) -> None:
    if d is None:
        report.damaged_originals.append({"sha256": sha, "problem": absent})
    elif d.sha256 != sha or d.size != row.size:
        changed = f"bytes now hash to {d.sha256}"
        report.damaged_originals.append({"sha256": sha, "problem": f"{where}, whose {changed}" if where else changed})
    elif (d.sha1, d.md5) != (row.sha1, row.md5):
        report.damaged_originals.append(
            {"sha256": sha, "problem": "its recorded sha1 or md5 was changed in the database"}
        )


def _check_slices(originals: Originals, container: str, members: list[tuple[str, Slice]],
                  recorded: dict[str, Any], flagged: set[str], report: FsckReport) -> None:
    """The members kept inside one container, re-hashed in one pass over it. A changed byte of the container
    is named twice: the container, and the letter whose bytes hold it."""
    if recorded[container].media_type == PACK_MEDIA_TYPE:
        where = f"kept inside the pack {container} (small originals stored together at ingest)"
    else:
        where = f"kept inside the original {container}"
    if container in flagged or not os.path.lexists(originals.path(container)):
        for sha, _s in members:
            report.missing_originals.append({"sha256": sha, "problem": f"{where}, which is missing"})
        return
    by_slice = {s: sha for sha, s in members}
    try:
        for found, d, altered in originals.slice_digests(container, [s for _sha, s in members]):
            sha = by_slice[found]
            if os.path.lexists(originals.path(sha)):
                continue  # it has a file of its own too, which was checked above (and is the one read)
            if altered:
                report.damaged_originals.append(
                    {"sha256": sha, "problem": f"{where}, whose encrypted bytes there no longer decrypt"})
            else:
                _compare(sha, recorded[sha], d, report, f"{where}, which is cut short before its end", where)
    except IntegrityError:  # the container's header is gone: nothing inside it can be read
        for sha, _s in members:
            report.damaged_originals.append(
                {"sha256": sha, "problem": f"{where}, whose encrypted bytes no longer decrypt"})


def _name_dispatches(conn: sa.Connection, recorded: dict[str, Any], in_slices: set[str],
                     report: FsckReport) -> None:
    """A damaged original kept inside another (a slice) names the dispatches whose original it is; a damaged or
    missing pack names the dispatches whose originals it holds: the desk sees which letters are affected."""
    found = report.damaged_originals + report.missing_originals
    packs = {f["sha256"] for f in found if f["sha256"] in recorded
             and recorded[f["sha256"]].media_type == PACK_MEDIA_TYPE}
    members = {f["sha256"] for f in found if f["sha256"] in in_slices}
    if not packs and not members:
        return
    o = t.original_slice.c
    held: dict[str, list[str]] = {}
    for pack in sorted(packs):
        held[pack] = list(conn.execute(sa.select(o.sha256).where(o.container_sha256 == pack)
                                       .order_by(o.byte_offset)).scalars())
    names = _dispatches_in_words(conn, members | {sha for shas in held.values() for sha in shas})
    for f in found:
        sha = f["sha256"]
        if sha in held:
            words = [w for member in held[sha] for w in names.get(member, [])]
            if words:
                f["problem"] += f"; it is a pack holding the originals of {_listed(words)}"
        elif sha in members and names.get(sha):
            f["problem"] += f"; it is the original of {_listed(names[sha])}"


def _listed(words: list[str]) -> str:
    if len(words) > MAX_LISTED:
        return ", ".join(words[:MAX_LISTED]) + f" and {len(words) - MAX_LISTED} more dispatches"
    return ", ".join(words)


def _dispatches_in_words(conn: sa.Connection, shas: set[str]) -> dict[str, list[str]]:
    """For each original, the dispatches it is the original of: "dispatch 12 (attachment 'a.pdf' of dispatch 11)"
    (a part names the letter it came with, at the top)."""
    d = t.dispatch.c
    rows: list[Any] = []
    ordered = sorted(shas)
    for i in range(0, len(ordered), 500):
        rows += conn.execute(sa.select(d.id, d.parent_id, d.filename, d.original_sha256)
                             .where(d.original_sha256.in_(ordered[i:i + 500])).order_by(d.id)).all()
    parents: dict[int, int | None] = {r.id: r.parent_id for r in rows}
    todo = {p for p in parents.values() if p is not None and p not in parents}
    while todo:
        up = conn.execute(sa.select(d.id, d.parent_id).where(d.id.in_(sorted(todo)))).all()
        parents.update((r.id, r.parent_id) for r in up)
        todo = {r.parent_id for r in up if r.parent_id is not None and r.parent_id not in parents}

    def top(dispatch_id: int) -> int:
        while parents.get(dispatch_id) is not None:
            dispatch_id = parents[dispatch_id]  # type: ignore[assignment]
        return dispatch_id

    out: dict[str, list[str]] = {}
    for r in rows:
        if r.parent_id is None:
            words = f"dispatch {r.id}"
        else:
            part = f"attachment '{r.filename}'" if r.filename else "a part"
            words = f"dispatch {r.id} ({part} of dispatch {top(r.id)})"
        out.setdefault(r.original_sha256, []).append(words)
    return out


# --------------------------------------------------------------------------- audit log


def _check_start_and_seals(
    chain: audit_log.ChainReport, anchor: dict[str, Any] | None, key: DeskKey | None, report: FsckReport
) -> None:
    if chain.entries == 0:
        report.problems.append("The audit log is empty: every entry, including case.init, was deleted.")
    elif chain.first_action != "case.init":
        report.problems.append("The case.init entry is missing: the start of the audit log was deleted or rewritten.")
    if anchor and key and anchor.get("key_id") == key.key_id and chain.head is not None:
        if chain.head["seq"] < anchor["sealed_from"] - 1:
            report.problems.append(
                f"The audit log ends at entry {chain.head['seq']}, but this desk first saw it at entry "
                f"{anchor['sealed_from'] - 1}: entries were deleted from the end (or the case was put back from an "
                "older copy)."
            )
    if chain.unsealed_legacy:
        report.warnings.append(
            f"{chain.unsealed_legacy} audit entries were written before leakdesk sealed its audit log; they are "
            "chained but not keyed, so a rewrite of them is caught only by a checkpoint."
        )
    for key_id, n in sorted(chain.foreign_seals.items()):
        report.warnings.append(
            f"{n} audit entries are sealed with desk key {key_id}, which this computer does not hold; their seals "
            "were not checked."
        )
    if key is None:
        report.warnings.append("There is no desk key on this computer, so no seal was checked.")


def _guards_present(conn: sa.Connection) -> dict[str, bool]:
    """Guard trigger -> present and enabled."""
    if conn.dialect.name == "sqlite":
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
        return {g: g in names for g in SQLITE_GUARDS}
    rows = conn.execute(
        sa.text(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid IN ('audit'::regclass, 'audit_seal'::regclass)"
        )
    ).all()
    enabled = {r.tgname: r.tgenabled != "D" for r in rows}
    return {g: enabled.get(g, False) for g in POSTGRES_GUARDS}


def _check_guards(conn: sa.Connection, report: FsckReport) -> None:
    missing = [g for g, ok in _guards_present(conn).items() if not ok]
    if missing:
        report.problems.append(
            f"The database triggers that keep the audit log append-only are missing or disabled ({', '.join(missing)})."
        )
    if conn.dialect.name == "postgresql":
        owner = conn.execute(
            sa.text("SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'audit'")
        ).scalar()
        if owner:
            report.warnings.append(
                "leakdesk is connected as the owner of the audit table, who could drop its guards; run the desk "
                "under a separate role (see docs/threat-model.md)."
            )


def _check_digests(conn: sa.Connection, chain: audit_log.ChainReport, report: FsckReport) -> None:
    current = rows_digests(conn, sorted(chain.rows_digests))
    for dispatch_id, (seq, recorded) in sorted(chain.rows_digests.items()):
        now = current[dispatch_id]
        if now is not None and recorded.get("v") != now["v"]:
            report.warnings.append(
                f"Dispatch {dispatch_id}: its rows were recorded by another version of leakdesk (audit entry {seq}) "
                "and were not compared."
            )
        elif now is None:
            report.deleted_dispatches.append(
                {"dispatch_id": dispatch_id, "seq": seq,
                 "problem": f"was deleted, though audit entry {seq} records it"}
            )
        elif now != recorded:
            changed = changed_parts(recorded, now)
            report.changed_dispatches.append(
                {"dispatch_id": dispatch_id, "seq": seq, "changed": changed,
                 "problem": f"its {', '.join(changed)} no longer match what audit entry {seq} recorded "
                            "(edited outside leakdesk)"}
            )


def _check_checkpoint(
    conn: sa.Connection,
    path: Path | None,
    case_id: str | None,
    key: DeskKey | None,
    report: FsckReport,
    tsa_roots: list[Path] | None,
    checkpoint_key: str | None,
) -> None:
    if path is None and case_id is not None:
        path = checkpoints.latest_local(case_id)
    if path is None:
        report.warnings.append("No checkpoint to compare with; make one with `leakdesk case checkpoint CASE FILE`.")
        return
    res = checkpoints.compare(conn, path, key, case_id, tsa_roots, checkpoint_key)
    report.checkpoint = asdict(res)
    report.problems += res.problems
    report.warnings += res.notes


# --------------------------------------------------------------------------- privacy


_READ = {"group": stat.S_IRGRP, "others": stat.S_IROTH}
_SEARCH = {"group": stat.S_IXGRP, "others": stat.S_IXOTH}


def _check_privacy(root: Path, skip: Path, report: FsckReport) -> None:
    """Warn about what other users of this computer can read in the case folder (originals: see above).

    A file counts only if they can also reach it: every folder above it, up to the case folder, lets them in."""
    exposed: list[str] = []
    try:
        root_mode = os.lstat(root).st_mode
    except OSError:
        return
    if root_mode & (stat.S_IRGRP | stat.S_IROTH):
        exposed.append(f"{root} ({describe_mode(root_mode)})")
    stack = [(root, {who for who, bit in _SEARCH.items() if root_mode & bit})]
    while stack:
        folder, can_enter = stack.pop()
        if not can_enter:
            continue  # nobody else gets past this folder: what is inside is private whatever its mode
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if path == skip:
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISLNK(mode):
                continue
            if any(mode & _READ[who] for who in can_enter):
                exposed.append(f"{path} ({describe_mode(mode)})")
            if stat.S_ISDIR(mode):
                stack.append((path, {who for who in can_enter if mode & _SEARCH[who]}))
    for item in exposed[:MAX_LISTED]:
        report.warnings.append(f"Other users of this computer can read {item}.")
    if len(exposed) > MAX_LISTED:
        report.warnings.append(f"… and {len(exposed) - MAX_LISTED} more files or folders other users can read.")
