"""The record layer: one answer to each question about a letter, typed records in and out."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import NoSuchRecord, UsageError
from leakdesk.intake import ingest_paths
from leakdesk.store import tables as t
from leakdesk.store.records import claims, custody, dates, dispatches, reviews, series, status, translations, verdicts

LETTER = textwrap.dedent("""\
    From: Veter <veter@example.org>
    To: desk@example.org
    Subject: {subject}
    Message-ID: <{n}@example.org>
    {date}MIME-Version: 1.0
    Content-Type: multipart/mixed; boundary="b"

    --b
    Content-Type: text/plain; charset=utf-8

    Вчера в Киеве прошло совещание штаба номер {n}.
    --b
    Content-Type: text/plain; charset=utf-8
    Content-Disposition: attachment; filename="note{n}.txt"

    Приложение к письму {n}: список участников совещания.
    --b--
    """)


def _letters(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for n, (subject, when) in enumerate([("Второе", "Date: Wed, 03 Mar 2021 10:00:00 +0300\n"),
                                         ("Первое", "Date: Mon, 01 Feb 2021 09:00:00 +0300\n"),
                                         ("Без даты", "")], 1):
        p = folder / f"letter{n}.eml"
        p.write_text(LETTER.format(subject=subject, n=n, date=when), "utf-8")
        paths.append(p)
    return paths


@pytest.fixture
def filled(case: Case, tmp_path: Path) -> Case:
    ingest_paths(case, _letters(tmp_path / "mail"), series="Veter", progress=False)
    return case


def _top(conn: sa.Connection) -> list[dispatches.Dispatch]:
    return dispatches.find(conn, top_level=True)


def test_overview_numbers_letters_by_date_and_reports_translation_state(filled: Case) -> None:
    with filled.transaction() as conn:
        first, second, undated = _top(conn)
        text = dispatches.original_text(conn, first.id)
        assert text is not None
        translations.create(conn, first.id, text.id, "ru", "en", "machine",
                            [translations.Segment(0, 0, text.content, "Yesterday a meeting.", 0.9, "engine", 1, "t")],
                            engine="local")
    with filled.connect() as conn:
        rows = {r.dispatch.id: r for r in dispatches.overview(conn)}
    assert [rows[d.id].number_in_series for d in (first, second, undated)] == [2, 1, 3]
    assert rows[first.id].translation_status == "draft"
    assert rows[second.id].translation_status == "none"
    assert rows[first.id].attachments == 1
    assert rows[first.id].dispatch.subject == "Второе"


def test_original_text_prefers_the_body_and_the_tree_holds_the_attachment(filled: Case) -> None:
    with filled.connect() as conn:
        letter = _top(conn)[0]
        tree = dispatches.tree(conn, letter.id)
        original = dispatches.original_text(conn, letter.id)
    assert original is not None and original.role == "body"
    assert "совещание штаба номер 1" in original.content
    assert tree.original == original
    assert len(tree.children) == 1
    child = tree.children[0]
    assert child.dispatch.parent_id == letter.id
    assert child.original is not None and "Приложение к письму 1" in child.original.content
    assert [n.dispatch.id for n in tree.walk()] == [letter.id, child.dispatch.id]


def test_original_text_order_is_decrypted_then_body_then_html_then_attachment() -> None:
    def text(i: int, role: str, content: str = "x") -> dispatches.Text:
        return dispatches.Text(i, 1, role, None, content, None, None, "e", "1")

    assert dispatches.choose_original([text(1, "attachment"), text(2, "html-body"), text(3, "body")]).id == 3
    assert dispatches.choose_original([text(1, "body"), text(2, "decrypted")]).id == 2
    assert dispatches.choose_original([text(1, "body", "  "), text(2, "html-body")]).id == 2
    assert dispatches.choose_original([text(1, "body", " ")]) is None


def test_missing_dispatch_gives_the_one_message(filled: Case) -> None:
    with filled.connect() as conn:
        for call in (dispatches.get, dispatches.tree, dates.anchor_date, status.dispatch_status):
            with pytest.raises(NoSuchRecord) as err:
                call(conn, 33)
            assert str(err.value) == "No such dispatch 33 in this case."
            assert err.value.exit_code == 1


def test_anchor_date_rule(filled: Case) -> None:
    with filled.connect() as conn:
        letter, _, undated = _top(conn)
        attachment = dispatches.tree(conn, letter.id).children[0].dispatch
        own = dates.anchor_date(conn, letter.id)
        inherited = dates.anchor_date(conn, attachment.id)
        received = dates.anchor_date(conn, undated.id)
        first_custody = dispatches.custody_of(conn, undated.id)[0].time.date()
    assert (own.date, own.source, own.flags) == (date(2021, 3, 3), "letter-date", [])
    assert (inherited.date, inherited.source) == (date(2021, 3, 3), "parent-letter-date")
    assert "its letter's date" in inherited.reason
    assert (received.date, received.source, received.flags) == (first_custody, "received-time",
                                                                 ["anchor-from-received-time"])


def test_series_by_name_and_its_error(filled: Case) -> None:
    with filled.connect() as conn:
        found = series.by_name(conn, "Veter")
        assert found.letters == 3
        with pytest.raises(NoSuchRecord) as err:
            series.by_name(conn, "Shtorm")
    assert str(err.value) == "No such series 'Shtorm' in this case. Series in this case: Veter."


def test_status_is_computed_from_the_dispatch_own_records_only(filled: Case) -> None:
    with filled.transaction() as conn:
        first, second, _ = _top(conn)
        sid = series.by_name(conn, "Veter").id
        verdicts.add(conn, first.id, sid, "m", "1", 2.0, 0.9, "same", [], [])
        reviews.add(conn, first.id, "Anna", "genuine", 0.8)
        text = dispatches.original_text(conn, first.id)
        assert text is not None
        conn.execute(t.claim.insert().values(
            dispatch_id=first.id, text_id=text.id, start_char=0, end_char=5, text="Вчера", actors=[], places=[],
            anchor_source="letter-date", modality="asserted", polarity="positive", flags=[], status="unverified",
            model_version="m", created=first.ingested))
        claim_id = claims.of_dispatch(conn, first.id)[0].id
        claims.set_status(conn, claim_id, "corroborated", "Anna", evidence="https://example.org")
    with filled.connect() as conn:
        mine, other = status.dispatch_status(conn, first.id), status.dispatch_status(conn, second.id)
        history = claims.corroborations(conn, claim_id)
    assert (mine.authorship, mine.claims, mine.claim_counts["corroborated"]) == ("genuine", "corroborated", 1)
    assert [r.reviewer for r in mine.reviews] == ["Anna"]
    assert (other.authorship, other.claims, other.verdict, other.reviews) == ("unverified", "no claims", None, [])
    assert [(h.previous_status, h.status) for h in history] == [("unverified", "corroborated")]


def test_review_refuses_bad_input_with_sentences(filled: Case) -> None:
    with filled.transaction() as conn, pytest.raises(UsageError) as err:
        reviews.add(conn, 1, "Anna", "probably", 0.5)
    assert str(err.value) == "'probably' is not a verdict; use one of: genuine, doubtful, fake."
    with filled.transaction() as conn, pytest.raises(NoSuchRecord, match="No such dispatch 99 in this case."):
        reviews.add(conn, 99, "Anna", "fake", 0.5)


def test_combined_authorship_rule() -> None:
    assert status.combine_authorship(None, []) == "unverified"
    assert status.combine_authorship("different", []) == "disputed"
    assert status.combine_authorship("different", [("genuine", 0.9)]) == "disputed"
    assert status.combine_authorship("same", [("genuine", 0.5), ("fake", 0.5)]) == "doubtful"


def test_segment_correction_makes_a_new_version_and_keeps_the_old(filled: Case) -> None:
    with filled.transaction() as conn:
        letter = _top(conn)[0]
        text = dispatches.original_text(conn, letter.id)
        assert text is not None
        segs = [translations.Segment(0, 0, "Вчера.", "Yesterday.", None, "engine", 1, "t"),
                translations.Segment(1, 1, "Совещание.", "Meting.", None, "engine", 1, "t")]
        tid = translations.create(conn, letter.id, text.id, "ru", "en", "machine", segs, engine="local")
        assert translations.correct_segment(conn, tid, 1, "Meeting.", "Anna") == 2
    with filled.connect() as conn:
        now, before = translations.get(conn, tid), translations.get(conn, tid, version=1)
        current = translations.current(conn, letter.id, "en")
        with pytest.raises(NoSuchRecord) as err:
            translations.get(conn, tid, version=3)
    assert now.target_text() == "Yesterday.\n\nMeeting."
    assert before.target_text() == "Yesterday.\n\nMeting."
    assert [s.origin for s in now.segments] == ["engine", "correction"]
    assert current is not None and current.id == tid and current.shown_version == 2
    assert str(err.value) == f"Translation {tid} of dispatch {letter.id} has versions 1 to 2; there is no version 3."


def test_current_translation_prefers_final_then_human(filled: Case) -> None:
    with filled.transaction() as conn:
        letter = _top(conn)[0]
        text = dispatches.original_text(conn, letter.id)
        assert text is not None
        seg = [translations.Segment(0, 0, "a", "b", None, "engine", 1, "t")]
        machine = translations.create(conn, letter.id, text.id, "ru", "en", "machine", seg, engine="local")
        human = translations.create(conn, letter.id, text.id, "ru", "en", "human", seg, translator="Olga")
        assert translations.current(conn, letter.id).id == human  # type: ignore[union-attr]
        conn.execute(t.translation.update().where(t.translation.c.id == machine).values(status="final"))
        assert translations.current(conn, letter.id).id == machine  # type: ignore[union-attr]


def test_register_original_always_writes_custody(case: Case) -> None:
    with case.transaction() as conn:
        first = custody.register_original(conn, case.originals, b"a reference text", media_type="text/plain",
                                          channel="reference", source="/tmp/ref.txt", actor="Anna")
        again = custody.register_original(conn, case.originals, b"a reference text", media_type="text/plain",
                                          channel="reference", source="/tmp/ref.txt", actor="Anna")
        rows = conn.execute(sa.select(t.custody.c.event, t.custody.c.actor).order_by(t.custody.c.id)).all()
    assert (first.new, again.new) == (True, False)
    assert [tuple(r) for r in rows] == [("received", "Anna"), ("re-received", "Anna")]
    assert case.originals.read_bytes(first.digests.sha256) == b"a reference text"


def test_head_revision_read_from_the_files_is_alembics_head(case: Case) -> None:
    from alembic.script import ScriptDirectory

    from leakdesk.store import db

    assert db.head_revision() == ScriptDirectory.from_config(db.alembic_config(case.engine)).get_current_head()
    assert db.is_current(case.engine)
