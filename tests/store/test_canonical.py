"""`audit.canonical` (orjson for plain values, else the C encoder called directly) and `audit.canonical_utf8` are
byte for byte json.dumps with the canonical options: every hash of the audit chain and of the dispatch digests
depends on it."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.store.audit import _CANONICAL, _plain, canonical, canonical_utf8

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


class _Colour(enum.IntEnum):
    RED = 1


class _Word(str):
    pass


# What orjson is given: no floats or date-times, but every code point (lone surrogates too), ints past 64 bits,
# subclasses of int and str (json writes their own way), deep nesting, keys of other types.
PLAIN_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()))
PLAIN_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63 - 5, max_value=2**65)
                 | st.integers(min_value=-(2**65), max_value=-(2**63) + 5) | PLAIN_TEXT | st.just(_Colour.RED)
                 | st.builds(_Word, PLAIN_TEXT))
PLAIN_VALUES = st.recursive(PLAIN_SCALARS, lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
                            | st.dictionaries(PLAIN_TEXT, inner, max_size=5)
                            | st.dictionaries(st.integers(), inner, max_size=2), max_leaves=40)


def _outcome(encode: Any, value: Any) -> tuple[str, Any]:
    try:
        return "value", encode(value)
    except Exception as exc:  # the same kind of error, the same way
        return "error", type(exc)


@settings(max_examples=1500, deadline=None)
@given(PLAIN_VALUES)
def test_the_orjson_path_writes_what_json_writes(value: Any) -> None:
    expected = _outcome(_dumps, value)
    assert _outcome(canonical, value) == expected
    as_bytes = _outcome(canonical_utf8, value)
    if expected[0] == "value":
        assert as_bytes == _outcome(lambda v: _dumps(v).encode("utf-8"), value)
    else:
        assert as_bytes[0] == "error"


def test_a_letter_s_rows_take_the_orjson_path_and_floats_do_not() -> None:
    text_row = [[7, "body", "Добрый день.\n\"Кавычки\" \\ \x00 \u2028", "koi8-r", "eml", "2"]]
    body = {"sha256": "ab" * 32, "children": 0, "variant_of": None, "ok": True,
            "rows_digest": {"dispatch": "cd" * 32, "v": 2}}
    for value in (text_row, body, [1, "2026-12-04T10:00:00.000000+00:00", "cli:anna", "intake.ingest", "x", "{}"]):
        assert _plain(value)
        assert canonical_utf8(value) == _dumps(value).encode("utf-8") and canonical(value) == _dumps(value)
    for value in ([1e16], {"score": 0.5}, [datetime(2026, 1, 1, tzinfo=UTC)], [_Colour.RED], {_Word("k"): 1},
                  {1: "a"}):
        assert not _plain(value)
        assert canonical(value) == _dumps(value)
    deep: Any = "leaf"
    for _ in range(300):
        deep = [deep]
    assert not _plain(deep) and canonical(deep) == _dumps(deep)


def test_a_value_that_holds_itself_is_refused_not_walked_for_ever() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    assert not _plain(loop)
    with pytest.raises((RecursionError, ValueError)):
        canonical(loop)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(2**70), max_value=2**70), st.lists(PLAIN_TEXT, min_size=6, max_size=6))
def test_an_audit_row_hash_is_the_sha256_of_its_canonical_json(seq: int, texts: list[str]) -> None:
    import hashlib

    from leakdesk.store.audit import row_hash

    row = [seq, *texts]
    try:
        expected: Any = hashlib.sha256(_dumps(row).encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        expected = UnicodeEncodeError
    assert _outcome(lambda r: row_hash(*r), row) in (("value", expected), ("error", expected))
