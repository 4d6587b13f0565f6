"""Entities: routing by language, one entity for the names of one island, carrying onto translations, aliases."""

from __future__ import annotations

import json

import sqlalchemy as sa
from tests.claims.conftest import add_letter, add_translation
from tests.conftest import invoke

from leakdesk.claims import ner
from leakdesk.claims.entities import add_alias, list_entities, run_entities
from leakdesk.store.tables import audit, claims_run, mention

RU = ("В августе прошлого года Сергей Иванов из ФСБ готовил переброску вертолётов на Итуруп.\n\n"
      "Генерал Петров сообщил в Южно-Курильске, что учения так и не состоялись.")
RU_SEGMENTS = [
    ("В августе прошлого года Сергей Иванов из ФСБ готовил переброску вертолётов на Итуруп.",
     "Last August Sergei Ivanov of the FSB was preparing to move helicopters to Iturup."),
    ("Генерал Петров сообщил в Южно-Курильске, что учения так и не состоялись.",
     "General Petrov reported in Yuzhno-Kurilsk that the exercises never took place."),
]


def by_name(case) -> dict:  # type: ignore[no-untyped-def]
    return {e.name: e for e in list_entities(case)}


def test_russian_english_and_japanese_names_of_one_island_are_one_entity(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Вертолёты перебросили на Итуруп, а потом снова на Итурупе были учения.")
    add_letter(case, "The Japanese call Iturup Etorofu (択捉島); helicopters landed there.", language="en",
               subject="en")
    run_entities(case)
    found = by_name(case)
    islands = [e for e in found.values() if e.name == "Iturup"]
    assert len(islands) == 1
    island = islands[0]
    assert island.type == "LOC"
    assert island.mentions == 5  # Итуруп, Итурупе, Iturup, Etorofu, 択捉島
    assert {"Итуруп", "Etorofu", "択捉島"} <= set(island.aliases)


def test_persons_are_normalised_and_transliterations_meet(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Вчера Сергею Иванову позвонили из Москвы.")
    add_letter(case, "Sergey Ivanov was called from Moscow yesterday.", language="en", subject="en")
    run_entities(case)
    found = by_name(case)
    assert found["Сергей Иванов"].mentions == 2
    assert "Sergey Ivanov" in found["Сергей Иванов"].aliases
    assert found["Moscow"].mentions == 2


def test_entities_are_carried_onto_the_aligned_translation(case) -> None:  # type: ignore[no-untyped-def]
    dispatch_id, text_id = add_letter(case, RU)
    translation_id = add_translation(case, dispatch_id, text_id, RU_SEGMENTS)
    summary = run_entities(case)
    assert summary["carried"] >= 4
    with case.connect() as conn:
        carried = conn.execute(sa.select(mention.c.surface).where(mention.c.translation_id == translation_id)
                               .order_by(mention.c.id)).scalars().all()
    assert {"Sergei Ivanov", "FSB", "Iturup", "Petrov", "Yuzhno-Kurilsk"} <= set(carried)
    found = by_name(case)
    assert found["Iturup"].in_originals == 1 and found["Iturup"].in_translations == 1
    assert found["Сергей Иванов"].in_translations == 1


def test_rerun_does_not_duplicate(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, RU)
    run_entities(case)
    first = {e.name: e.mentions for e in list_entities(case)}
    assert run_entities(case)["texts"] == 0
    assert {e.name: e.mentions for e in list_entities(case)} == first


def test_mixed_language_paragraph_is_split_and_recorded(case) -> None:  # type: ignore[no-untyped-def]
    text = ("Он сказал нам вчера вечером очень тихо: we will never agree to this deal in Moscow, "
            "и ушёл из комнаты навсегда.")
    result = ner.extract(text, ["ru", "en"])
    assert any("mixes languages" in n for n in result.notes)
    assert {s.language for s in result.sections} == {"ru", "en"}
    add_letter(case, text)
    summary = run_entities(case)
    assert any("mixes languages" in n for n in summary["notes"])
    with case.connect() as conn:
        notes = conn.execute(sa.select(claims_run.c.notes).where(claims_run.c.stage == "entities")).scalar_one()
    assert any("mixes languages" in n for n in notes["notes"])


def test_pgp_armour_is_skipped_with_a_reason(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "-----BEGIN PGP MESSAGE-----\n\nhF4D5qtyg8ZMRk4SAQdAtOjoQW+Ab/Cd==\n-----END PGP MESSAGE-----",
               language="en")
    summary = run_entities(case)
    assert summary["notes"] == ["text 1 (dispatch 1) skipped: PGP armour, not readable text"]
    assert list_entities(case) == []


def test_alias_add_merges_and_is_audited(case) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Генерал Петров приехал вчера.")
    add_letter(case, "Pyotr Petrov-Vodkin arrived yesterday.", language="en", subject="en")
    run_entities(case)
    names = by_name(case)
    assert "Петров" in names and "Pyotr Petrov-Vodkin" in names
    result = add_alias(case, "Петров", ["Pyotr Petrov-Vodkin"])
    assert result["added"] == ["Pyotr Petrov-Vodkin"]
    names = by_name(case)
    assert "Pyotr Petrov-Vodkin" not in names
    assert names["Петров"].mentions == 2
    with case.connect() as conn:
        row = conn.execute(sa.select(audit).where(audit.c.action == "claims.alias.add")).one()
    assert json.loads(row.details)["aliases"] == ["Pyotr Petrov-Vodkin"]


def test_cli_entities_json(case, runner) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Вертолёты перебросили на Итуруп.")
    result = invoke(runner, "entities", case.root, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == [{"name": "Iturup", "type": "LOC", "aliases": data[0]["aliases"], "mentions": 1}]
    assert "Etorofu" in data[0]["aliases"]


def test_cli_alias_add_and_errors(case, runner) -> None:  # type: ignore[no-untyped-def]
    add_letter(case, "Вертолёты перебросили на Итуруп.")
    invoke(runner, "entities", case.root, "--json")
    ok = invoke(runner, "alias", "add", case.root, "Iturup", "Эторофу", "Etorofu-jima")
    assert ok.exit_code == 0, ok.output
    assert "Iturup (entity 1): added Эторофу, Etorofu-jima" in ok.stdout
    bad = invoke(runner, "alias", "add", case.root, "Nobody", "X")
    assert bad.exit_code == 1
    assert ("No entity called 'Nobody' in this case; run `leakdesk entity extract CASE` first and use one of the names "
            "it lists.") in " ".join(bad.stderr.split())
