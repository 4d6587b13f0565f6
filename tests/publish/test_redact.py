"""Redaction with pseudonyms: proposals from entities and patterns, review, consistent replacement across letters and
translations (Russian case endings included), spans and terms, exports that refuse unreviewed proposals, every
decision audited without the hidden names, originals untouched; and the `leakdesk redact` commands."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import LeakdeskError
from leakdesk.publish.redact import (
    PATTERNS,
    Redactor,
    add_span,
    add_term,
    export_redacted,
    list_redactions,
    propose,
    redacted_letter,
    review,
)
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.publish.conftest import NOW, add_dispatch

LETTER_1 = ("Здравствуйте! Генерал Гранатов вчера снова собирал отдел. Гранатову доложили о проверке. "
            "Пишите мне на burya@mail.example или звоните +7 914 555-12-34. Буря")
LETTER_2 = "Гранатова боятся все. Паспорт серии 05 12 № 345678 лежит у него в сейфе. Ваш Буря"
TRANSLATION_1 = ("Hello! General Granatov gathered the department again yesterday. Granatov was told about the "
                 "inspection. Write to me at burya@mail.example or call +7 914 555-12-34. Burya")


def _mention(conn: sa.Connection, entity_id: int, dispatch_id: int, text_id: int | None, surface: str,
             start: int, translation_id: int | None = None) -> None:
    conn.execute(t.mention.insert().values(entity_id=entity_id, dispatch_id=dispatch_id, text_id=text_id,
                                           translation_id=translation_id, start_char=start,
                                           end_char=start + len(surface), surface=surface, method="test",
                                           created=NOW))


@pytest.fixture
def storm(case: Case) -> Case:
    """Series "Буря" (source "Буря"): two letters naming General Гранатов, an e-mail, a phone and a passport; the
    first letter has an English translation."""
    with case.transaction() as conn:
        source = conn.execute(t.source.insert().values(pseudonym="Буря", created=NOW)).inserted_primary_key[0]
        series_id = conn.execute(t.series.insert().values(name="Буря", source_id=source, created=NOW)
                                 ).inserted_primary_key[0]
        one = add_dispatch(case, conn, LETTER_1.encode(), source="/in/1.eml", series_id=series_id, language="ru",
                           charset=("utf-8", "declared"))
        two = add_dispatch(case, conn, LETTER_2.encode(), source="/in/2.eml", series_id=series_id, language="ru",
                           charset=("utf-8", "declared"))
        text_ids = dict(conn.execute(sa.select(t.text.c.dispatch_id, t.text.c.id)).all())
        tr = conn.execute(t.translation.insert().values(
            dispatch_id=one, text_id=text_ids[one], source_language="ru", target_language="en", kind="human",
            translator="T. Translator", status="final", version=1, round=1, created=NOW, updated=NOW,
        )).inserted_primary_key[0]
        conn.execute(t.segment.insert().values(
            translation_id=tr, position=0, version=1, paragraph=0, source=LETTER_1, target=TRANSLATION_1,
            source_sentences=1, target_sentences=1, origin="human", author="T. Translator", created=NOW))
        general = conn.execute(t.entity.insert().values(type="PER", name="Гранатов", key="granatov", created=NOW)
                               ).inserted_primary_key[0]
        writer = conn.execute(t.entity.insert().values(type="PER", name="Буря", key="burya", created=NOW)
                              ).inserted_primary_key[0]
        place = conn.execute(t.entity.insert().values(type="LOC", name="Итуруп", key="iturup", created=NOW)
                             ).inserted_primary_key[0]
        _mention(conn, general, one, text_ids[one], "Гранатов", LETTER_1.index("Гранатов"))
        _mention(conn, general, two, text_ids[two], "Гранатова", 0)
        _mention(conn, general, one, None, "Granatov", TRANSLATION_1.index("Granatov"), translation_id=tr)
        _mention(conn, writer, one, text_ids[one], "Буря", LETTER_1.index("Буря"))
        _mention(conn, place, two, text_ids[two], "Итуруп", 0)
    return case


def test_proposals_cover_people_the_source_and_patterns(storm: Case) -> None:
    made = propose(storm, "Буря")
    by_label = {x.label: x for x in made}
    general = next(x for x in made if "Гранатов" in x.surfaces)
    assert general.pseudonym == "Person 1" and {"Гранатова", "Granatov"} <= set(general.surfaces)
    assert by_label["source"].pseudonym == "Source A" and "Буря" in by_label["source"].surfaces
    assert by_label["email"].surfaces == ["burya@mail.example"] and by_label["email"].pseudonym == "E-mail 1"
    assert by_label["phone"].surfaces == ["+7 914 555-12-34"] and by_label["phone"].pseudonym == "Phone 1"
    assert by_label["passport"].surfaces == ["05 12 № 345678"]
    assert "place" not in by_label  # only people unless asked
    assert {x.status for x in made} == {"proposed"}
    assert propose(storm, "Буря") == []  # nothing is proposed twice
    with storm.connect() as conn:
        entries = conn.execute(sa.select(t.audit).where(t.audit.c.action == "redact.propose")).all()
    assert len(entries) == len(made)
    assert not any(name in e.details for e in entries for name in ("Гранатов", "burya@", "345678"))


def test_patterns_match_what_a_desk_must_hide() -> None:
    def found(name: str, text: str) -> list[str]:
        return [m.group(m.lastindex or 0) for m in PATTERNS[name][1].finditer(text)]

    assert found("email", "пишите a.orlov@fsb.example, спасибо") == ["a.orlov@fsb.example"]
    assert found("phone", "тел. 8 (4242) 55-12-34 и +7 914 555-12-34") == ["8 (4242) 55-12-34", "+7 914 555-12-34"]
    assert found("passport", "паспорт 0512 345678; passport no. K1234567") == ["0512 345678", "K1234567"]
    assert found("address", "живёт на ул. Ленина, д. 5, кв. 12; 221 Baker Street") == [
        "ул. Ленина, д. 5, кв. 12", "221 Baker Street"]
    assert found("ip", "с адреса 192.0.2.44 в 10:30") == ["192.0.2.44"]
    assert found("phone", "в 2022 году 17 марта") == []


def test_export_refuses_unreviewed_proposals(storm: Case) -> None:
    made = propose(storm, "Буря")
    with pytest.raises(LeakdeskError) as err:
        export_redacted(storm, "Буря")
    ids = ", ".join(str(x.id) for x in made)
    assert str(err.value) == (f"{len(made)} redaction proposal(s) still wait for review ({ids}); approve or reject "
                              "them with `leakdesk redaction approve CASE ID...` (or `reject`) before exporting.")


def test_approved_redactions_replace_every_form_in_letters_and_translations(storm: Case) -> None:
    with storm.connect() as conn:
        before = {r.id: r.content for r in conn.execute(sa.select(t.text))}
        shas = list(conn.execute(sa.select(t.dispatch.c.original_sha256)).scalars())
    made = propose(storm, "Буря")
    phone = next(x for x in made if x.label == "phone")
    review(storm, [x.id for x in made if x is not phone], "approved")
    review(storm, [phone.id], "rejected")
    done = export_redacted(storm, "Буря")
    texts = {name: (storm.root / name).read_text("utf-8") for name in done.files}
    assert sorted(n.rsplit("/", 1)[-1] for n in texts) == ["1.en.txt", "1.original.txt", "2.original.txt"]
    by_name = {n.rsplit("/", 1)[-1]: v for n, v in texts.items()}
    one, one_en, two = by_name["1.original.txt"], by_name["1.en.txt"], by_name["2.original.txt"]
    assert one == ("Здравствуйте! Генерал Person 1 вчера снова собирал отдел. Person 1 доложили о проверке. "
                   "Пишите мне на E-mail 1 или звоните +7 914 555-12-34. Source A")
    assert one_en == ("Hello! General Person 1 gathered the department again yesterday. Person 1 was told about the "
                      "inspection. Write to me at E-mail 1 or call +7 914 555-12-34. Source A")
    assert two.startswith("Person 1 боятся все. Паспорт серии Passport 1 лежит") and "Source A" in two
    with storm.connect() as conn:
        after = {r.id: r.content for r in conn.execute(sa.select(t.text))}
        derivatives = conn.execute(sa.select(t.derivative)).all()
        audit = [r.action for r in conn.execute(sa.select(t.audit).order_by(t.audit.c.seq))]
    assert after == before  # stored texts untouched
    for sha in shas:  # originals untouched
        assert hashlib.sha256(storm.originals.path(sha).read_bytes()).hexdigest() == sha
    assert len(derivatives) == 3 and {d.kind for d in derivatives} == {"redacted-text"}
    for d in derivatives:
        assert hashlib.sha256((storm.root / d.path).read_bytes()).hexdigest() == d.sha256
    assert audit.count("redact.approve") == len(made) - 1 and audit.count("redact.reject") == 1
    assert audit[-1] == "redact.export"


def test_terms_and_spans(storm: Case) -> None:
    add_term(storm, "отдел", "the unit", "Буря", label="unit")
    with storm.connect() as conn:
        two = conn.execute(sa.select(t.dispatch.c.id).order_by(t.dispatch.c.id.desc())).scalar()
    start = LETTER_2.index("в сейфе")
    span = add_span(storm, two, start, start + len("в сейфе"), "[place]")
    assert span.surfaces == ["в сейфе"] and span.status == "approved"
    redactor = Redactor.for_series(storm, "Буря")
    assert redactor.pending == []
    assert "собирал the unit." in redacted_letter(storm, 1, redactor).original
    assert "лежит у него [place]." in redacted_letter(storm, two, redactor).original
    expected = f"The span 10..999 is outside dispatch 2's text, which has {len(LETTER_2)} characters."
    with pytest.raises(LeakdeskError, match=f"^{re.escape(expected)}$"):
        add_span(storm, two, 10, 999, "x")
    with pytest.raises(LeakdeskError, match=r"^No such redaction 99 in this case"):
        review(storm, [99], "approved")
    with pytest.raises(LeakdeskError, match="^A term to redact needs at least two characters.$"):
        add_term(storm, " x ", "y")


def test_cli_redact_round_trip(storm: Case, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "redact", storm.root, "propose", "--series", "Буря")
    assert result.exit_code == 0, result.output
    assert "Person 1" in result.output and "Source A" in result.output and "proposal(s)" in result.output
    ids = [x["id"] for x in json.loads(invoke(runner, "redact", storm.root, "list", "--json").output)]
    result = invoke(runner, "redact", storm.root, "export", "--series", "Буря")
    assert result.exit_code == 1 and "still wait for review" in result.output
    general = next(x.id for x in list_redactions(storm) if "Гранатов" in x.surfaces)
    result = invoke(runner, "redact", storm.root, "approve", general, "--as", "Officer 2")
    assert result.exit_code == 0 and "Officer 2" in result.output
    result = invoke(runner, "redact", storm.root, "reject", *[i for i in ids if i != general])
    assert result.exit_code == 0
    result = invoke(runner, "redact", storm.root, "preview", 1)
    assert result.exit_code == 0 and "Генерал Officer 2 вчера" in result.output and "Гранатов" not in result.output
    result = invoke(runner, "redact", storm.root, "export", "--series", "Буря")
    assert result.exit_code == 0 and "3 redacted file(s) for 2 dispatch(es)" in result.output
    result = invoke(runner, "redact", storm.root, "propose", "--types", "XYZ")
    assert result.exit_code == 2 and "Unknown entity type 'XYZ'; choose from PER, ORG, LOC." in result.output
