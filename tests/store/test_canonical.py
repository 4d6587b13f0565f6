"""`audit.canonical` (the C encoder called directly) is byte for byte json.dumps with the canonical options: every
hash of the audit chain and of the dispatch digests depends on it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.store.audit import _CANONICAL, canonical

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text() | st.datetimes(timezones=st.just(UTC)))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
                      | st.dictionaries(st.text() | st.integers() | st.booleans() | st.none(), inner, max_size=5),
                      max_leaves=30)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_canonical_is_json_dumps_with_the_canonical_options(value: Any) -> None:
    try:
        expected = _dumps(value)
    except TypeError:  # keys of mixed types cannot be sorted: the same error, the same way
        try:
            canonical(value)
        except TypeError:
            return
        raise AssertionError("canonical accepted what json.dumps refuses") from None
    assert canonical(value) == expected == _CANONICAL.encode(value)


def test_canonical_of_a_letter_digest_and_an_audit_body() -> None:
    body = {"sha256": "ab" * 32, "location": "message 1", "variant_of": None, "children": 0, "ok": True,
            "rows_digest": {"v": 2, "texts": "x"}, "when": datetime(2026, 12, 3, tzinfo=UTC), "score": 0.1}
    assert canonical(body) == _dumps(body)
    assert canonical("Пр\"ивет\n") == _dumps("Пр\"ивет\n") and canonical(7) == "7" and canonical(None) == "null"


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_a_seal_is_the_hmac_sha256_it_always_was(row_hash: str) -> None:
    """`DeskKey.seal` takes OpenSSL's one-shot HMAC: every seal written before must still compare."""
    import hashlib
    import hmac
    from pathlib import Path

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from leakdesk.store.keys import DeskKey

    key = DeskKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))), Path("desk.key"))
    assert key.seal(row_hash) == hmac.new(key._mac_key, row_hash.encode("ascii"), hashlib.sha256).hexdigest()
