"""Bundles for a partner newsroom: a BagIt bag (RFC 8493) with the letters, their translations, the custody extract,
the audit log's head and a signed checkpoint; optionally encrypted to the partner's OpenPGP key with GnuPG.

Two kinds: *full* (the originals as received, byte for byte) and *redacted* (the approved redactions applied to the
texts and translations, attachments scrubbed — PDFs flattened with the redactions burned in — sender addresses and
local paths withheld, no original bytes at all). The receiving side runs `bundle verify` (every manifest hash, the
checkpoint's signature, the head it vouches for) and `bundle import`, which makes the letters a case of its own with
the custody carried over.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leakdesk import __version__
from leakdesk.errors import LeakdeskError, UsageError
from leakdesk.publish.redact import Redactor, redacted_letter, series_dispatch_ids
from leakdesk.store.keys import signature_holds
from leakdesk.store.records import dispatches as dispatch_records
from leakdesk.store.records import translations as translation_records
from leakdesk.store.records.series import by_name as series_by_name
from leakdesk.store.records.series import find_by_name as find_series

FORMAT = "leakdesk-bundle/1"
WITHHELD = "[withheld]"
MAX_MEMBER = 512 * 1024 * 1024  # bytes of one file taken out of an encrypted bundle


class BundleError(LeakdeskError):
    """A bundle cannot be written, read or trusted."""


@dataclass
class BundleResult:
    path: str
    files: int
    dispatches: int
    redacted: bool
    encrypted_to: list[str] = field(default_factory=list)  # partner key fingerprints
    checkpoint_seq: int = 0


# --------------------------------------------------------------------------- writing


def _write(folder: Path, rel: str, data: bytes) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _custody(conn: sa.Connection, ids: list[int], redacted: bool) -> list[dict[str, Any]]:
    out = []
    for dispatch_id in ids:
        d = dispatch_records.get(conn, dispatch_id)
        events = dispatch_records.custody_of(conn, dispatch_id)
        out.append({
            "dispatch_id": d.id, "parent_id": d.parent_id, "kind": d.kind, "channel": d.channel,
            "filename": d.filename, "media_type": d.media_type, "date": d.date,
            "message_id": WITHHELD if redacted and d.message_id else d.message_id,
            "sender": WITHHELD if redacted and d.sender else d.sender,
            "original_sha256": d.original_sha256,
            "custody": [{"time": str(e.time), "event": e.event, "channel": e.channel,
                         "source": WITHHELD if redacted else e.source, "location": e.location, "actor": e.actor}
                        for e in events],
        })
    return out


def _fill_full(case: Any, conn: sa.Connection, bag: Path, ids: list[int]) -> None:
    for dispatch_id in ids:
        d = dispatch_records.get(conn, dispatch_id)
        _write(bag, f"originals/{d.original_sha256}", case.originals.read_bytes(d.original_sha256))
        text = dispatch_records.original_text(conn, dispatch_id)
        if text is not None:
            _write(bag, f"texts/{dispatch_id}.txt", text.content.encode("utf-8"))
        tr = translation_records.current(conn, dispatch_id)
        if tr is not None:
            _write(bag, f"translations/{dispatch_id}.{tr.target_language}.txt", tr.target_text().encode("utf-8"))


def _fill_redacted(case: Any, bag: Path, ids: list[int], series: str) -> list[str]:
    """Redacted texts, translations and scrubbed files; returns notes on attachments left out."""
    from leakdesk.publish.scrub import ScrubError, extension_of, make_derivative

    redactor = Redactor.for_series(case, series)
    redactor.require_reviewed()
    notes = []
    for dispatch_id in ids:
        letter = redacted_letter(case, dispatch_id, redactor)
        if letter.original:
            _write(bag, f"texts/{dispatch_id}.txt", letter.original.encode("utf-8"))
        if letter.translation:
            _write(bag, f"translations/{dispatch_id}.{letter.translation_language}.txt",
                   letter.translation.encode("utf-8"))
        with case.connect() as conn:
            d = dispatch_records.get(conn, dispatch_id)
        if d.kind == "email":
            continue
        data = case.originals.read_bytes(d.original_sha256)
        extension = extension_of(d.media_type, d.filename, data)
        if extension is None:
            continue
        try:
            made = make_derivative(case, dispatch_id, flatten=extension == "pdf", redacted=True, series=series)
        except ScrubError as exc:
            notes.append(str(exc))
            continue
        _write(bag, f"files/{dispatch_id}.{extension}", (case.root / made.path).read_bytes())
    for rel in bag.rglob("*"):
        if rel.is_file() and rel.suffix == ".txt":
            left = redactor.leftovers(rel.read_text("utf-8"))
            if left:
                raise BundleError(f"{rel.name}: {len(left)} redacted name(s) survived; nothing was exported.")
    return notes


def export_bundle(case: Any, out: Path, series: str | None = None, redacted: bool = False,
                  to_key: Path | None = None) -> BundleResult:
    """Write the bundle to `out` (a folder; with `to_key`, one encrypted file); audited."""
    import bagit

    if out.exists():
        raise UsageError(f"{out} already exists; choose a new name for the bundle.")
    if redacted and not series:
        raise UsageError("A redacted bundle is made for one series (--series NAME): redactions belong to a series.")
    with case.connect() as conn:
        srow = series_by_name(conn, series) if series else None
        ids = series_dispatch_ids(conn, srow.id if srow else None)
        if not ids:
            raise BundleError("There are no dispatches to put in the bundle.")
    with tempfile.TemporaryDirectory(prefix="leakdesk-bundle-") as tmp:
        bag = Path(tmp) / "bag"
        bag.mkdir()
        notes: list[str] = []
        if redacted:
            assert series is not None
            notes = _fill_redacted(case, bag, ids, series)
        with case.connect() as conn:
            if not redacted:
                _fill_full(case, conn, bag, ids)
            custody = _custody(conn, ids, redacted)
        signed = case.checkpoint(Path(tmp) / "checkpoint.json")
        statement = signed["statement"]
        _write(bag, "custody.json", json.dumps(custody, ensure_ascii=False, indent=1).encode("utf-8"))
        _write(bag, "checkpoint.json", json.dumps(signed, ensure_ascii=False, indent=1).encode("utf-8"))
        head = {"format": FORMAT, "case_id": statement["case_id"], "seq": statement["seq"],
                "hash": statement["hash"], "series": series, "redacted": redacted, "notes": notes,
                "leakdesk": __version__}
        _write(bag, "bundle.json", json.dumps(head, ensure_ascii=False, indent=1).encode("utf-8"))
        bagit.make_bag(str(bag), {
            "Source-Organization": "leakdesk desk",
            "External-Description": f"leakdesk bundle of {'series ' + series if series else 'a case'}"
                                    f"{' (redacted)' if redacted else ''}",
            "Bag-Group-Identifier": statement["case_id"],
            "Leakdesk-Format": FORMAT,
        }, checksums=["sha256", "sha512"])
        files = sum(1 for p in (bag / "data").rglob("*") if p.is_file())
        fingerprints: list[str] = []
        if to_key is not None:
            fingerprints = _encrypt(bag, out, to_key)
        else:
            shutil.copytree(bag, out)
    result = BundleResult(str(out), files, len(ids), redacted, fingerprints, int(statement["seq"]))
    with case.transaction() as conn:
        case.audit(conn, "bundle.export", out.name, {"series": series, "redacted": redacted, "files": files,
                                                      "dispatches": len(ids), "encrypted_to": fingerprints,
                                                      "checkpoint_seq": statement["seq"]})
    return result


# --------------------------------------------------------------------------- GnuPG


def _gpg(home: Path) -> Any:
    import gnupg  # type: ignore[import-untyped]

    if not shutil.which("gpg"):
        raise BundleError("GnuPG (the `gpg` program) is not installed; install the Debian package gnupg.")
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    gpg = gnupg.GPG(gnupghome=str(home))
    gpg.encoding = "utf-8"
    return gpg


def _stop_agent(home: Path) -> None:
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False)


def _encrypt(bag: Path, out: Path, key_file: Path) -> list[str]:
    """Tar the bag and encrypt it to the public key(s) in `key_file`, using a throw-away keyring."""
    try:
        key_data = key_file.read_bytes()
    except OSError as exc:
        raise BundleError(f"{key_file}: cannot read the partner's key ({exc.strerror or exc}).") from None
    with tempfile.TemporaryDirectory(prefix="leakdesk-gpg-") as home:
        gpg = _gpg(Path(home))
        try:
            imported = gpg.import_keys(key_data)
            fingerprints = [f for f in imported.fingerprints if f]
            if not fingerprints:
                raise BundleError(f"{key_file}: the file holds no OpenPGP key that GnuPG could read.")
            archive = bag.parent / "bag.tar"
            with tarfile.open(archive, "w") as tar:
                tar.add(bag, arcname="bag")
            with open(archive, "rb") as fh:
                done = gpg.encrypt_file(fh, fingerprints, always_trust=True, armor=False, output=str(out))
            if not done.ok:
                raise BundleError(f"GnuPG could not encrypt the bundle to {key_file.name}: {done.status}.")
        finally:
            _stop_agent(Path(home))
    return fingerprints


def _decrypt(bundle: Path, gnupg_home: Path, target: Path, passphrase: str | None) -> Path:
    gpg = _gpg(gnupg_home)
    archive = target / "bag.tar"
    with open(bundle, "rb") as fh:
        done = gpg.decrypt_file(fh, output=str(archive), passphrase=passphrase,
                                extra_args=["--pinentry-mode", "loopback"])
    if not done.ok:
        raise BundleError(f"{bundle.name} could not be decrypted with this case's keys ({done.status}); import the "
                          "partner secret key it was encrypted to with `leakdesk key import`.")
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = Path(member.name)
            if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()) \
                    or member.size > MAX_MEMBER:
                raise BundleError(f"{bundle.name} holds an unsafe entry ({member.name}); it was not opened.")
        tar.extractall(target, filter="data")
    archive.unlink()
    return target / "bag"


# --------------------------------------------------------------------------- reading


@dataclass
class Verification:
    bundle: str
    ok: bool
    files: int
    problems: list[str]
    checkpoint: dict[str, Any]
    head: dict[str, Any]


def _open(bundle: Path, gnupg_home: Path | None, tmp: Path, passphrase: str | None) -> Path:
    if bundle.is_dir():
        return bundle
    if not bundle.is_file():
        raise BundleError(f"{bundle} does not exist.")
    if gnupg_home is None:
        raise UsageError(f"{bundle.name} is encrypted; give the case whose keyring holds the partner key (--case).")
    return _decrypt(bundle, gnupg_home, tmp, passphrase)


def _check(bag_dir: Path) -> Verification:
    import bagit

    problems: list[str] = []
    try:
        bag = bagit.Bag(str(bag_dir))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        problems.extend(_named_failures(bag_dir) or [f"manifest check failed ({exc})"])
    except bagit.BagError as exc:
        problems.append(f"not a BagIt bag ({exc})")
        return Verification(str(bag_dir), False, 0, problems, {}, {})
    data = bag_dir / "data"
    try:
        signed = json.loads((data / "checkpoint.json").read_text("utf-8"))
        head = json.loads((data / "bundle.json").read_text("utf-8"))
    except (OSError, ValueError):
        problems.append("the checkpoint or bundle description is missing or unreadable")
        return Verification(str(bag_dir), False, 0, problems, {}, {})
    statement = signed.get("statement", {})
    if not signature_holds(statement.get("public_key", ""), statement, signed.get("signature", "")):
        problems.append("the checkpoint's signature does not hold")
    if (statement.get("seq"), statement.get("hash"), statement.get("case_id")) != (
            head.get("seq"), head.get("hash"), head.get("case_id")):
        problems.append("the bundle's audit head is not the one the checkpoint signs")
    files = sum(1 for p in data.rglob("*") if p.is_file())
    return Verification(str(bag_dir), not problems, files, problems, statement, head)


def _named_failures(bag_dir: Path) -> list[str]:
    """Each payload file that is changed, missing or not in the manifest (bagit stops at the first size mismatch)."""
    manifest = bag_dir / "manifest-sha256.txt"
    expected: dict[str, str] = {}
    if manifest.exists():
        for row in manifest.read_text("utf-8").splitlines():
            digest, _, rel = row.partition(" ")
            expected[rel.strip()] = digest
    found = {str(p.relative_to(bag_dir)) for p in (bag_dir / "data").rglob("*") if p.is_file()}
    out = []
    for rel, digest in sorted(expected.items()):
        if rel not in found:
            out.append(f"manifest check failed for {rel}: missing")
        elif hashlib.sha256((bag_dir / rel).read_bytes()).hexdigest() != digest:
            out.append(f"manifest check failed for {rel}: changed since the bundle was made")
    out.extend(f"manifest check failed for {rel}: not in the manifest" for rel in sorted(found - set(expected)))
    return out


def verify_bundle(bundle: Path, gnupg_home: Path | None = None, passphrase: str | None = None) -> Verification:
    """Check every manifest hash, the checkpoint's signature and that it signs the bundle's audit head."""
    with tempfile.TemporaryDirectory(prefix="leakdesk-verify-") as tmp:
        result = _check(_open(bundle, gnupg_home, Path(tmp), passphrase))
        result.bundle = str(bundle)
        return result


def import_bundle(case: Any, bundle: Path, series: str | None = None, passphrase: str | None = None
                  ) -> dict[str, Any]:
    """Make the bundle's letters dispatches of `case` (originals ingested; a redacted bundle's texts and scrubbed
    files ingested as files), each with a custody entry that carries the sender's chain over; audited."""
    from leakdesk.intake.ingest import ingest_paths

    with tempfile.TemporaryDirectory(prefix="leakdesk-import-") as tmp:
        bag_dir = _open(bundle, case.gnupg_home, Path(tmp), passphrase)
        check = _check(bag_dir)
        if not check.ok:
            raise BundleError(f"{bundle.name} does not verify ({'; '.join(check.problems[:3])}); nothing was "
                              "imported.")
        data = bag_dir / "data"
        custody = json.loads((data / "custody.json").read_text("utf-8"))
        redacted = bool(check.head.get("redacted"))
        staged = Path(tmp) / "incoming"
        staged.mkdir()
        wanted: dict[Path, dict[str, Any]] = {}
        for entry in custody:
            if entry["parent_id"] is not None and not redacted:
                continue  # attachments come back out of their parent message
            if redacted:
                candidates = [data / "files" / f"{entry['dispatch_id']}.{ext}" for ext in
                              ("pdf", "docx", "xlsx", "pptx", "jpg", "png", "tiff")]
                candidates.append(data / "texts" / f"{entry['dispatch_id']}.txt")
                source = next((c for c in candidates if c.exists()), None)
            else:
                source = data / "originals" / entry["original_sha256"]
            if source is None or not source.exists():
                continue
            name = f"{entry['dispatch_id']}-{(entry.get('filename') or 'letter').replace('/', '_')}"
            if redacted and source.suffix == ".txt":
                name = f"{entry['dispatch_id']}-letter.txt"
            elif not redacted and entry["kind"] == "email":
                name = f"{entry['dispatch_id']}.eml"
            target = staged / name
            shutil.copyfile(source, target)
            wanted[target] = entry
        series_name = series or check.head.get("series")
        if series_name:
            from leakdesk.intake.series import create_series

            with case.connect() as conn:
                exists = find_series(conn, series_name)
            if exists is None:
                create_series(case, series_name, None)
        result = ingest_paths(case, list(wanted), series=series_name, progress=False)
        carried = _carry_custody(case, wanted, check, bundle)
    with case.transaction() as conn:
        case.audit(conn, "bundle.import", bundle.name, {"from_case": check.head.get("case_id"),
                                                         "checkpoint_seq": check.head.get("seq"),
                                                         "redacted": redacted, "dispatches": len(result.created),
                                                         "custody_carried": carried})
    return {"created": result.created, "re_received": result.re_received, "custody_carried": carried,
            "redacted": redacted, "from_case": check.head.get("case_id"), "series": series_name,
            "problems": [p.message for p in result.problems]}


def _carry_custody(case: Any, wanted: dict[Path, dict[str, Any]], check: Verification, bundle: Path) -> int:
    """A custody row per imported file ("bundle-import") naming the sending case and every custody event it had
    there; the dispatch's digest is re-recorded so fsck knows leakdesk wrote the row."""
    from leakdesk.store.records.custody import add_custody

    carried = 0
    with case.transaction() as conn:
        for path, entry in wanted.items():
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            found = [d.id for d in dispatch_records.find(conn, top_level=True) if d.original_sha256 == sha]
            if not found:
                continue
            dispatch_id = found[-1]
            history = "; ".join(f"{e['time']} {e['event']} via {e['channel']} from {e['source']}"
                                f"{' (' + e['location'] + ')' if e.get('location') else ''} by {e['actor']}"
                                for e in entry["custody"])
            add_custody(conn, sha, "bundle-import", "bundle", f"bundle {bundle.name}", case.actor, dispatch_id,
                        (f"case {str(check.head.get('case_id', ''))[:16]}, its dispatch {entry['dispatch_id']} "
                         f"(original sha256 {entry['original_sha256']}); custody there: {history}")[:4000])
            case.record_dispatch_digest(conn, dispatch_id, "bundle.custody", {"bundle": bundle.name})
            carried += 1
    return carried
