"""Fixtures for claims tests: dispatches, texts and translations written straight into the store."""

from __future__ import annotations

import datetime as dt
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.claims.timex import find_timexes
from leakdesk.store.tables import dispatch, original, segment, text, translation

NOW = datetime(2022, 3, 20, 12, 0, tzinfo=UTC)


def add_letter(case: Case, content: str, *, language: str = "ru", date: str | None = "2022-03-17T10:00:00+03:00",
               series_id: int | None = None, subject: str = "letter") -> tuple[int, int]:
    """Insert an original, a dispatch and its body text; returns (dispatch_id, text_id)."""
    data = content.encode("utf-8")
    digests = case.originals.put_bytes(data)
    date_utc = datetime.fromisoformat(date).astimezone(UTC) if date else None
    with case.transaction() as conn:
        if conn.execute(sa.select(original.c.sha256).where(original.c.sha256 == digests.sha256)).first() is None:
            conn.execute(sa.insert(original).values(sha256=digests.sha256, sha1=digests.sha1, md5=digests.md5,
                                                    size=digests.size, media_type="text/plain", first_seen=NOW))
        key = hashlib.sha256(data + subject.encode()).hexdigest()
        dispatch_id = conn.execute(sa.insert(dispatch).values(
            dedup_key=key, original_sha256=digests.sha256, series_id=series_id, kind="file", channel="file",
            filename=f"{subject}.txt", media_type="text/plain", subject=subject, date=date, date_utc=date_utc,
            language=language, status="ok", ingested=NOW)).inserted_primary_key[0]
        text_id = conn.execute(sa.insert(text).values(
            dispatch_id=dispatch_id, role="body", language=language, content=content, extractor="test",
            extractor_version="1")).inserted_primary_key[0]
    return int(dispatch_id), int(text_id)


def add_translation(case: Case, dispatch_id: int, text_id: int, pairs: list[tuple[str, str]]) -> int:
    """A final English translation with one segment per (source, target) pair."""
    with case.transaction() as conn:
        tid = conn.execute(sa.insert(translation).values(
            dispatch_id=dispatch_id, text_id=text_id, source_language="ru", target_language="en", kind="human",
            translator="t", status="final", version=1, round=1, final_version=1, created=NOW,
            updated=NOW)).inserted_primary_key[0]
        for pos, (src, tgt) in enumerate(pairs):
            conn.execute(sa.insert(segment).values(
                translation_id=tid, position=pos, version=1, paragraph=pos, source=src, target=tgt,
                source_sentences=1, target_sentences=1, origin="human", author="t", created=NOW))
    return int(tid)


@pytest.fixture
def letters() -> Any:
    return add_letter


LETTER = dt.date(2022, 10, 20)  # a Thursday in October: the letter date of the English timex rule tests


def value_of(sentence: str, surface: str, anchor: dt.date = LETTER) -> tuple[str, str]:
    """(type, value) of the one English expression `surface` found in `sentence`, dated by `anchor`."""
    found = [t for t in find_timexes(sentence, "en", anchor) if t.text == surface]
    assert len(found) == 1, [(t.text, t.value) for t in find_timexes(sentence, "en", anchor)]
    return found[0].type, found[0].value
