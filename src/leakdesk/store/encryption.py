"""Encryption at rest: the case's data key, wrapped by a passphrase (Argon2id), and the sealed originals format.

An encrypted case holds `case.key`: a random 32-byte data key sealed (XChaCha20-Poly1305) with a key derived from
the passphrase by Argon2id, with the salt and the Argon2 parameters beside it (they are the sealed key's associated
data, so they cannot be changed without the passphrase failing). Neither the passphrase nor the data key is ever
written in clear. Two keys are derived from the data key: one for SQLCipher (case.db) and one for the originals.

An original on disk is `MAGIC`, a secretstream header, then records of `RECORD` plaintext bytes sealed with
`crypto_secretstream_xchacha20poly1305`; the last record carries the FINAL tag, so a truncated, extended, reordered
or altered file does not decrypt. Originals stay named by the SHA-256 of their plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from nacl import bindings as sodium
from nacl.exceptions import CryptoError

from leakdesk.errors import CaseError, IntegrityError
from leakdesk.store.keys import write_private

KEY_FILE = "case.key"
KEY_FORMAT = "leakdesk-case-key/1"
PASSPHRASE_ENV = "LEAKDESK_PASSPHRASE_FILE"
MISSING_PASSPHRASE = "This case is encrypted; give its passphrase with --passphrase-file."
WRONG_PASSPHRASE = "The passphrase does not open this case."
MAX_PASSPHRASE_FILE = 64 * 1024

MAGIC = b"LDSEAL1\n"
RECORD = 1 << 20  # plaintext bytes per sealed record
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
_HEADER = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
_TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters (RFC 9106's second recommendation by default: 3 passes over 64 MiB)."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024  # KiB
    parallelism: int = 4


class CaseKey:
    """The unwrapped data key of one case, held in memory only; gives the database and originals keys."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != 32:
            raise ValueError("a case data key is 32 bytes")
        self._data_key = data_key

    def _derive(self, purpose: bytes) -> bytes:
        return hashlib.blake2b(purpose, key=self._data_key, digest_size=32, person=b"leakdesk-case").digest()

    def database_key(self) -> str:
        """SQLCipher's raw-key form (`x'…'`): the key is used as is, no second key derivation on each open."""
        return f"x'{self._derive(b'sqlcipher').hex()}'"

    def originals_key(self) -> bytes:
        return self._derive(b"originals")

    def __repr__(self) -> str:  # never show the key in a traceback or a log
        return "CaseKey(<hidden>)"


def _argon2(passphrase: bytes, salt: bytes, params: KdfParams) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(passphrase, salt, params.time_cost, params.memory_cost, params.parallelism, 32, Type.ID)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _associated(salt: str, params: KdfParams) -> bytes:
    return json.dumps({"format": KEY_FORMAT, "kdf": "argon2id", "salt": salt, **asdict(params)},
                      sort_keys=True).encode("utf-8")


def is_encrypted(root: Path) -> bool:
    return (root / KEY_FILE).exists()


def create_key_file(root: Path, passphrase: bytes, params: KdfParams | None = None) -> CaseKey:
    """A new random data key for the case in `root`, written wrapped by the passphrase to `root/case.key`."""
    if not passphrase:
        raise CaseError("The passphrase is empty; an encrypted case needs a passphrase.")
    params = params or KdfParams()
    salt, nonce, data_key = os.urandom(16), os.urandom(24), os.urandom(32)
    salt_b64 = _b64(salt)
    wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        data_key, _associated(salt_b64, params), nonce, _argon2(passphrase, salt, params)
    )
    record = {"format": KEY_FORMAT, "kdf": "argon2id", "salt": salt_b64, **asdict(params),
              "cipher": "xchacha20poly1305-ietf", "nonce": _b64(nonce), "wrapped_key": _b64(wrapped)}
    write_private(root / KEY_FILE, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    return CaseKey(data_key)


def open_key_file(root: Path, passphrase: bytes) -> CaseKey:
    """The case's data key, unwrapped with the passphrase; CaseError in one sentence when it does not open."""
    path = root / KEY_FILE
    try:
        record = json.loads(path.read_text("utf-8"))
        params = KdfParams(int(record["time_cost"]), int(record["memory_cost"]), int(record["parallelism"]))
        salt, nonce = base64.b64decode(record["salt"]), base64.b64decode(record["nonce"])
        wrapped = base64.b64decode(record["wrapped_key"])
        if record.get("format") != KEY_FORMAT or record.get("kdf") != "argon2id":
            raise ValueError("unknown key format")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaseError(f"The key file {path} is damaged or unreadable ({exc}); restore it from a backup.") from exc
    try:
        data_key = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            wrapped, _associated(record["salt"], params), nonce, _argon2(passphrase, salt, params)
        )
    except CryptoError:
        raise CaseError(WRONG_PASSPHRASE) from None
    return CaseKey(data_key)


def read_passphrase_file(path: Path | str) -> bytes:
    """The passphrase in a file: its bytes without the final line ending (never logged, never kept)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PASSPHRASE_FILE + 1)
    except OSError as exc:
        raise CaseError(f"The passphrase file {path} cannot be read ({exc.strerror or exc}).") from None
    if len(data) > MAX_PASSPHRASE_FILE:
        raise CaseError(f"The passphrase file {path} is larger than 64 KiB; it should hold only the passphrase.")
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        raise CaseError(f"The passphrase file {path} is empty.")
    return data


def passphrase_from_env() -> bytes | None:
    """The passphrase from the file named by LEAKDESK_PASSPHRASE_FILE (set by --passphrase-file), if any."""
    name = os.environ.get(PASSPHRASE_ENV, "").strip()
    return read_passphrase_file(name) if name else None


# --------------------------------------------------------------------------- sealed originals


class SealingWriter:
    """Writes plaintext to `out` as one sealed stream; `close()` writes the final record (never forget it)."""

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        self._out = out
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = sodium.crypto_secretstream_xchacha20poly1305_init_push(self._state, key)
        out.write(MAGIC + header)
        self._buffer = bytearray()

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > RECORD:  # keep at least one byte back: the last record must carry FINAL
            record = bytes(self._buffer[:RECORD])
            del self._buffer[:RECORD]
            self._out.write(sodium.crypto_secretstream_xchacha20poly1305_push(self._state, record, None, _TAG_MESSAGE))

    def close(self) -> None:
        self._out.write(sodium.crypto_secretstream_xchacha20poly1305_push(
            self._state, bytes(self._buffer), None, _TAG_FINAL))
        self._buffer.clear()


def open_sealed(fh: BinaryIO, key: bytes, name: str) -> Iterator[bytes]:
    """The plaintext of a sealed original, record by record; IntegrityError naming `name` if it does not open."""
    altered = (f"The original {name} has been altered on disk (its encrypted bytes no longer decrypt). "
               "Restore it from a backup; leakdesk will not use it.")
    head = fh.read(len(MAGIC) + _HEADER)
    if len(head) != len(MAGIC) + _HEADER or not head.startswith(MAGIC):
        raise IntegrityError(altered)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, head[len(MAGIC):], key)
    while True:
        record = fh.read(RECORD + _ABYTES)
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, record, None)
        except (CryptoError, ValueError, RuntimeError):
            raise IntegrityError(altered) from None
        if tag == _TAG_FINAL:
            if fh.read(1):
                raise IntegrityError(altered)  # bytes appended after the final record
            if plain:
                yield plain
            return
        if len(record) != RECORD + _ABYTES:
            raise IntegrityError(altered)
        yield plain


_START = len(MAGIC) + _HEADER  # where the first sealed record begins
_STRIDE = RECORD + _ABYTES  # bytes of every sealed record but the last
_MAC = 16  # a record ends with its Poly1305 tag
_COUNTER, _INONCE = 32, 36  # the counter (4 bytes, little-endian) and inner nonce (8 bytes) in libsodium's state


class SealedReader:
    """Random access to the plaintext of a sealed original: a read decrypts only the records it spans.

    secretstream chains its records: after each one, libsodium XORs the record's tag (MAC) into the state's inner
    nonce and increments its counter. The state before record k is therefore rebuilt from the header and the MACs
    of the k records before it, read from the file without decrypting them; a changed MAC makes record k fail to
    decrypt, so nothing is trusted that was not authenticated. Reads in order continue from the last record."""

    def __init__(self, fh: BinaryIO, key: bytes, name: str) -> None:
        self._fh, self._key = fh, key
        self._altered = (f"The original {name} has been altered on disk (its encrypted bytes no longer decrypt). "
                         "Restore it from a backup; leakdesk will not use it.")
        head = fh.read(_START)
        if len(head) != _START or not head.startswith(MAGIC):
            raise IntegrityError(self._altered)
        self._header = head[len(MAGIC):]
        self._state: sodium.crypto_secretstream_xchacha20poly1305_state | None = None
        self._next = 0  # the record `_state` decrypts next
        self._record: tuple[int, bytes, bool] = (-1, b"", False)  # the last record read: index, plaintext, final

    def _state_before(self, k: int) -> sodium.crypto_secretstream_xchacha20poly1305_state:
        if self._state is not None and self._next == k:
            return self._state
        state = sodium.crypto_secretstream_xchacha20poly1305_state()
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, self._header, self._key)
        buf: Any = state.statebuf  # cffi unsigned char[]: indexed bytes, written in place
        counter = int.from_bytes(bytes(buf[_COUNTER + i] for i in range(4)), "little")
        for j in range(k):
            self._fh.seek(_START + (j + 1) * _STRIDE - _MAC)
            mac = self._fh.read(_MAC)
            if len(mac) != _MAC:
                raise IntegrityError(self._altered)
            for i in range(8):
                buf[_INONCE + i] ^= mac[i]
            counter = (counter + 1) & 0xFFFFFFFF
        for i, byte in enumerate(counter.to_bytes(4, "little")):
            buf[_COUNTER + i] = byte
        self._state, self._next = state, k
        return state

    def _read_record(self, k: int) -> tuple[bytes, bool]:
        """Record k's plaintext and whether it is the last one."""
        if self._record[0] == k:
            return self._record[1], self._record[2]
        state = self._state_before(k)
        self._fh.seek(_START + k * _STRIDE)
        sealed = self._fh.read(_STRIDE)
        if not sealed:
            return b"", True  # past the end: a read there finds nothing (a cut file fails on its last record)
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed, None)
        except (CryptoError, ValueError, RuntimeError):
            self._state = None
            raise IntegrityError(self._altered) from None
        final = tag == _TAG_FINAL
        if final and self._fh.read(1):
            raise IntegrityError(self._altered)  # bytes appended after the final record
        if not final and len(sealed) != _STRIDE:
            raise IntegrityError(self._altered)
        self._next = k + 1
        self._record = (k, plain, final)
        return plain, final

    def read_at(self, offset: int, size: int) -> bytes:
        """Up to `size` plaintext bytes from `offset` (fewer at the end of the original, like os.pread)."""
        out: list[bytes] = []
        while size > 0:
            k, at = divmod(offset, RECORD)
            plain, final = self._read_record(k)
            piece = plain[at:at + size]
            out.append(piece)
            offset, size = offset + len(piece), size - len(piece)
            if final or not piece:
                break
        return b"".join(out)
