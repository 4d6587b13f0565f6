"""tests/store runs every test on a plain case and on an encrypted one (SQLCipher case.db, sealed originals).

The encrypted case's passphrase file is named in LEAKDESK_PASSPHRASE_FILE for the test, so `Case.open` and every
CLI command open it as a desk would. Argon2id runs with small parameters here (they are stored in case.key, so
opening uses the same ones); the default parameters are checked in test_encryption.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leakdesk.case import Case
from leakdesk.store.encryption import PASSPHRASE_ENV, KdfParams

PASSPHRASE = "correct horse battery staple ё"
FAST_KDF = KdfParams(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def write_passphrase(folder: Path, passphrase: str = PASSPHRASE) -> Path:
    path = folder / "passphrase.txt"
    path.write_text(passphrase + "\n", "utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture(params=["plain", "encrypted"])
def case(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Case]:
    if request.param == "plain":
        c = Case.init(tmp_path / "case")
    else:
        monkeypatch.setenv(PASSPHRASE_ENV, str(write_passphrase(tmp_path)))
        c = Case.init(tmp_path / "case", encrypted=True, kdf=FAST_KDF)
    yield c
    c.close()


def raw_connect(case: Case) -> Any:
    """What an attacker who has case.db (and, for an encrypted case, its passphrase) opens without leakdesk."""
    if case.key is None:
        return sqlite3.connect(case.root / "case.db")
    from sqlcipher3 import dbapi2 as sqlcipher

    con = sqlcipher.connect(str(case.root / "case.db"))
    con.execute(f'PRAGMA key="{case.key.database_key()}"')
    return con
