"""The desk key: an Ed25519 key kept outside every case folder, which seals the audit log and signs checkpoints.

It lives in `$LEAKDESK_HOME/desk-key.pem` (default `~/.config/leakdesk/`), folder 0700, file 0600, made on first
use. Whoever holds only the case folder (or only the database) cannot forge a seal or a checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from leakdesk.errors import CaseError

HOME_ENV = "LEAKDESK_HOME"
KEY_FILE = "desk-key.pem"
_MAC_LABEL = b"leakdesk audit seal v1"


def desk_home() -> Path:
    """Where the desk keeps what must not live in a case: its key, case anchors, checkpoints, passwords."""
    env = os.environ.get(HOME_ENV)
    return Path(env) if env else Path.home() / ".config" / "leakdesk"


def key_id_of(public: bytes) -> str:
    """A short, stable name for a public key (16 hex digits of its sha256)."""
    return hashlib.sha256(public).hexdigest()[:16]


@dataclass(frozen=True)
class DeskKey:
    """The desk's signing key and the audit MAC key derived from it."""

    private: Ed25519PrivateKey
    path: Path

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @cached_property
    def key_id(self) -> str:
        return key_id_of(self.public_bytes)

    @cached_property
    def _mac_key(self) -> bytes:
        """The audit MAC key, derived once per process (every audit entry is sealed with it)."""
        seed = self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return hmac.new(seed, _MAC_LABEL, hashlib.sha256).digest()

    def seal(self, row_hash: str) -> str:
        """HMAC-SHA256 of an audit row's hash under a key derived from the private key."""
        # hmac.digest: OpenSSL's one-shot HMAC, the same value as hmac.new(...).hexdigest() without building an
        # HMAC object (ingest seals one entry per letter); given hashlib's constructor, not the name "sha256",
        # which OpenSSL 3 looks up on every call (half the time of a seal)
        return hmac.digest(self._mac_key, row_hash.encode("ascii"), hashlib.sha256).hex()

    def sign(self, statement: dict[str, Any]) -> str:
        return base64.b64encode(self.private.sign(canonical_bytes(statement))).decode("ascii")


def canonical_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature_holds(public_b64: str, statement: dict[str, Any], signature_b64: str) -> bool:
    """True when `signature_b64` is a valid Ed25519 signature of `statement` by `public_b64`."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        public.verify(base64.b64decode(signature_b64, validate=True), canonical_bytes(statement))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


_CACHE: dict[Path, DeskKey] = {}


def private_dir(path: Path) -> Path:
    """Make `path` (and parents) exist, the last one 0700."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, stat.S_IRWXU)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a file atomically, 0600 from its first byte."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:  # mkstemp makes the file 0600
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _create_once(path: Path, data: bytes) -> None:
    """Write a new private file unless another process made one first (then theirs is kept: one key per desk)."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if the key already exists
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def desk_key(create: bool = True) -> DeskKey | None:
    """The desk key, made on first use; None only when `create` is False and there is none yet."""
    path = desk_home() / KEY_FILE
    if path in _CACHE:
        return _CACHE[path]
    if not path.exists():
        if not create:
            return None
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            _create_once(path, pem)
        except OSError as exc:
            raise CaseError(
                f"Could not create the desk key in {path.parent} ({exc.strerror}); set LEAKDESK_HOME to a "
                "private folder you can write to."
            ) from exc
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise CaseError(f"The desk key {path} cannot be read; restore it from your backup.") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise CaseError(f"The desk key {path} is not an Ed25519 key; restore it from your backup.")
    key = DeskKey(loaded, path)
    _CACHE[path] = key
    return key
