"""Claims: structure from the original, scoring on the aligned English, anchors, modality, bad input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.claims.conftest import add_letter, add_translation
from tests.claims.test_entities import RU, RU_SEGMENTS
from tests.conftest import invoke

from leakdesk.claims import claims as claims_mod
from leakdesk.claims.claims import list_claims, run_claims
from leakdesk.claims.modality import modality_polarity


@pytest.mark.parametrize(
    ("sentence", "language", "expected"),
    [
        ("В августе прошлого года служба готовилась к конфликту с Японией.", "ru", ("preparing", "positive")),
        ("Учения планировали на сентябрь, но они так и не случились.", "ru", ("planned", "negative")),
        ("Переброски вертолётов не было.", "ru", ("asserted", "negative")),
        ("The service was preparing for a local conflict with Japan.", "en", ("preparing", "positive")),
        ("The landing was planned for September but did not happen.", "en", ("planned", "negative")),
        ("Helicopters arrived on Iturup in May.", "en", ("asserted", "positive")),
        ("They may arrive on Iturup soon.", "en", ("possible", "positive")),
        # a negation in a concessive clause leaves the main claim affirmative
        ("Телевидение начало называть японцев «нацистами», притом что никаких поводов для этого не было.", "ru",
         ("asserted", "positive")),
        ("TV began calling the Japanese Nazis, although Japan did not change its policy.", "en",
         ("asserted", "positive")),
        ("Вертолёты так и не прилетели, хотя их ждали.", "ru", ("asserted", "negative")),
    ],
)
def test_modality_and_polarity(sentence: str, language: str, expected: tuple[str, str]) -> None:
    assert modality_polarity(sentence, language) == expected


def test_russian_claims_are_scored_on_the_aligned_english(case) -> None:  # type: ignore[no-untyped-def]
    dispatch_id, text_id = add_letter(case, RU)
    add_translation(case, dispatch_id, text_id, RU_SEGMENTS)
    run_claims(case)
    items = list_claims(case)
    assert [c["text"] for c in items] == [s for s, _ in RU_SEGMENTS]
    first = items[0]
    assert first["scored_on"] == "aligned-translation"
    assert first["text_en"] == RU_SEGMENTS[0][1]
    assert isinstance(first["checkworthiness"], float)
    assert "scored on the aligned English translation" in first["flags"]
    assert first["actors"] == ["Сергей Иванов", "FSB"] and first["places"] == ["Iturup"]
    assert first["time"]["text"].endswith("августе прошлого года")
    assert (first["time"]["value"], first["time"]["start"], first["time"]["end"]) == ("2021-08", "2021-08-01",
                                                                                      "2021-08-31")
    assert first["anchor"] == "2022-03-17" and first["anchor_source"] == "letter-date"
    assert first["modality"] == "preparing"
    assert items[1]["polarity"] == "negative"
    assert all(c["status"] == "unverified" for c in items)


def test_without_translation_russian_claims_are_scored_by_meaning_and_say_so(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, RU)
    run_claims(case)
    first = list_claims(case)[0]
    assert isinstance(first["checkworthiness"], float) and first["scored_on"] == "original"
    assert "scored on the Russian original by meaning (no aligned English translation yet)" in first["flags"]


def test_translation_added_later_rescores_and_keeps_ids(case) -> None:  # type: ignore[no-untyped-def]
    dispatch_id, text_id = add_letter(case, RU)
    run_claims(case)
    before = {c["id"]: c["text"] for c in list_claims(case)}
    add_translation(case, dispatch_id, text_id, RU_SEGMENTS)
    run_claims(case)
    after = list_claims(case)
    assert {c["id"]: c["text"] for c in after} == before
    assert all(c["scored_on"] == "aligned-translation" for c in after)


def test_letter_without_date_falls_back_to_received_time(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Летом прошлого года вертолёты перебросили на Итуруп.", date=None)
    run_claims(case)
    (item,) = list_claims(case)
    assert item["anchor_source"] == "received-time" and item["anchor"] == "2022-03-20"
    assert item["time"]["value"] == "2021-SU"
    assert "the letter has no date: relative dates were resolved against the time it was received" in item["flags"]


def test_english_letter_is_scored_directly(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "In August 2021 the army moved 12 helicopters to Iturup, the ministry said.", language="en")
    run_claims(case)
    (item,) = list_claims(case)
    assert item["scored_on"] == "original" and item["text_en"] is None
    assert item["places"] == ["Iturup"] and item["time"]["value"] == "2021-08"


def test_timex_failure_is_recorded_not_fatal(case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import leakdesk.claims.timex as timex

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("boom")

    monkeypatch.setattr(timex, "find_timexes", broken)
    add_letter(case, "Вертолёты перебросили на Итуруп в августе.")
    run_claims(case)
    (item,) = list_claims(case)
    assert item["time"]["value"] is None
    assert any("temporal expressions could not be read" in f and "boom" in f for f in item["flags"])


def test_mixed_language_sentence_is_flagged(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Генерал Петров сказал мне вчера очень тихо: the helicopters will never leave Iturup, "
                     "и ушёл из кабинета.")
    run_claims(case)
    (item,) = list_claims(case)
    assert any("mixes languages" in f for f in item["flags"])


def test_sentences_keep_offsets() -> None:
    text = "Первое предложение здесь.\nВторое предложение там. Third one is English."
    found = claims_mod.sentences(text, ["ru", "en"])
    assert [text[s.start : s.end] for s in found] == [s.text for s in found]
    assert len(found) == 3


def test_cli_claims_json_and_series(case, runner) -> None:  # type: ignore[no-untyped-def]
    dispatch_id, text_id = add_letter(case, RU)
    add_translation(case, dispatch_id, text_id, RU_SEGMENTS)
    result = invoke(runner, "claims", case.root, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 2
    assert {"id", "dispatch_id", "text", "actors", "places", "time", "checkworthiness", "status"} <= set(data[0])
    assert set(data[0]["time"]) >= {"value", "start", "end"}
    bad = invoke(runner, "claims", case.root, "--series", "Nope")
    assert bad.exit_code == 1  # the record layer's one "no such series" error, as everywhere
    assert "No such series 'Nope' in this case. This case has no series yet." in bad.stderr


def test_attachment_without_date_uses_its_letters_date(case) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from leakdesk.store.tables import dispatch

    letter, _ = add_letter(case, "Посылаю Вам справку.", date="2022-04-20T10:00:00+03:00", subject="letter")
    attachment, _ = add_letter(case, "14 августа вертолёты перебросили на Итуруп.", date=None,
                               subject="attachment")
    with case.transaction() as conn:
        conn.execute(sa.update(dispatch).where(dispatch.c.id == attachment).values(parent_id=letter))
    run_claims(case)
    (item,) = [c for c in list_claims(case) if c["dispatch_id"] == attachment]
    assert item["anchor_source"] == "parent-letter-date" and item["anchor"] == "2022-04-20"


def test_impossible_dates_and_two_digit_years_are_recorded_on_the_claim(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Вертолёты прибыли на Итуруп 31 февраля 2021 года.\n\nУчения на Кунашире начались 12.03.21.")
    run_claims(case)
    impossible, two_digit = list_claims(case)
    assert impossible["time"]["start"] is None
    assert any("invalid-date" in f for f in impossible["flags"])
    assert any("does not exist" in f for f in impossible["flags"])
    assert two_digit["time"]["start"] == "2021-03-12"
    assert any("two-digit-year" in f for f in two_digit["flags"])


def test_japanese_paragraph_gets_gazetteer_names_and_a_note(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.case import Case
    from leakdesk.claims.entities import list_entities, run_entities

    case = Case.init(tmp_path / "ja-case", languages=["ru", "en", "ja"])
    try:
        add_letter(case, "択捉島にロシア軍のヘリコプターが配備された。\n\nВертолёты перебросили на Итуруп в августе.")
        summary = run_entities(case)
        assert any("no entity model for language 'ja'" in n for n in summary["notes"])
        (island,) = [e for e in list_entities(case) if e.name == "Iturup"]
        assert island.mentions == 2
    finally:
        case.close()


@settings(deadline=None, max_examples=30)
@given(st.text(alphabet=st.sampled_from(list("абвгдеё жзийклмн.!? abcdefgh\nXYZ,Итуруп")), max_size=300))
def test_sentence_offsets_always_point_into_the_text(text: str) -> None:
    for s in claims_mod.sentences(text, ["ru", "en"]):
        assert text[s.start : s.end] == s.text


def test_progress_is_reported_per_stage(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Вертолёты перебросили на Итуруп в августе 2021 года.")
    add_letter(case, "-----BEGIN PGP MESSAGE-----\n\nhF4D5qtyg8ZMRk4SAQdAtOjoQW+Ab/Cd==\n-----END PGP MESSAGE-----",
               subject="pgp")
    calls: list = []

    def progress(stage: str, total: int):  # type: ignore[no-untyped-def]
        calls.append((stage, total))
        return lambda: calls.append(stage)

    run_claims(case, progress)
    assert calls == [("Finding entities", 2), "Finding entities", "Finding entities", ("Extracting claims", 1),
                     "Extracting claims"]


def test_then_takes_the_time_of_the_sentence_before(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "В августе 2021 года вертолёты перебросили на Итуруп. Тогда же на Кунашире закрыли аэродром. "
                     "На Шикотане построили новый причал для пограничных катеров.")
    run_claims(case)
    by_place = {c["places"][0]: c for c in list_claims(case)}
    assert by_place["Kunashir"]["time"]["value"] == "2021-08"
    assert any(f.startswith("time taken from the sentence before") for f in by_place["Kunashir"]["flags"])
    assert by_place["Shikotan"]["time"]["value"] is None


def test_claims_score_on_the_current_translation_not_a_newer_machine_draft(case) -> None:  # type: ignore[no-untyped-def]
    """The record layer's one rule (final before draft) decides which English a claim is scored on."""
    from leakdesk.store.records import translations

    dispatch_id, text_id = add_letter(case, RU)
    add_translation(case, dispatch_id, text_id, RU_SEGMENTS)
    with case.transaction() as conn:  # a later machine draft that got the first sentence wrong
        translations.create(conn, dispatch_id, text_id, "ru", "en", "machine", [
            translations.Segment(0, 0, RU_SEGMENTS[0][0], "Something else entirely.", None, "engine", 1, "engine")],
            engine="local")
    run_claims(case)
    first = list_claims(case)[0]
    assert first["text_en"] == RU_SEGMENTS[0][1]
    assert first["scored_on"] == "aligned-translation"
