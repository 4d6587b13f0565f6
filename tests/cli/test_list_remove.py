"""`list` and `remove` for reference texts, series and the glossary: output, state and exact errors; every `list`
on an empty case says so in one sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.intake import ingest_paths
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.store.test_records import _letters

RUSSIAN = " ".join(["Уважаемые коллеги, я снова пишу вам о положении дел в нашем управлении и прошу прочитать."] * 3)


@pytest.fixture
def mail_case(case: Case, tmp_path: Path) -> Case:
    ingest_paths(case, _letters(tmp_path / "mail"), series="Veter", progress=False)
    return case


# Each `list` command on a fresh case: one sentence naming the command that fills it, never an empty table.
EMPTY_LISTS = {
    "dispatch": "This case has no dispatches yet; ingest some with `leakdesk dispatch ingest CASE PATH`.",
    "series": "This case has no series yet; create one with `leakdesk series create CASE NAME`.",
    "reference": "The reference pool is empty; add texts with `leakdesk reference add CASE PATH --language L`.",
    "entity": "No entities yet; find them with `leakdesk entity extract CASE`.",
    "alias": "No aliases yet; add one with `leakdesk alias add CASE NAME ALIAS`.",
    "claim": "No claims yet; extract them with `leakdesk claim extract CASE`.",
    "glossary": "The glossary is empty; add terms with `leakdesk glossary add CASE TERM RENDERING`.",
    "stream": "This case has no media streams yet; add one with `leakdesk stream add CASE PATH`.",
    "key": "The case keyring is empty; add keys with `leakdesk key import CASE KEYFILE`.",
    "user": "No desk users yet; add one with `leakdesk user add CASE NAME --role ROLE`.",
    "token": "No API tokens yet; make one with `leakdesk token create CASE USER`.",
}


@pytest.mark.parametrize("noun", sorted(EMPTY_LISTS))
def test_every_list_on_an_empty_case_says_so_in_one_sentence(runner, case: Case, noun: str) -> None:  # type: ignore[no-untyped-def]
    listed = invoke(runner, noun, "list", case.root)
    assert (listed.exit_code, listed.stdout) == (0, EMPTY_LISTS[noun] + "\n")
    assert json.loads(invoke(runner, noun, "list", case.root, "--json").stdout) in ([], {"terms": []})


def test_the_empty_lists_of_a_filtered_listing_name_the_filter(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "dispatch", "list", mail_case.root, "--variants").stdout == (
        "No two dispatches share a Message-ID.\n")
    assert invoke(runner, "claim", "list", mail_case.root, "--series", "Veter").stdout == (
        "No claims in the series 'Veter'.\n")
    assert invoke(runner, "claim", "list", mail_case.root, "--dispatch", "1").stdout == "No claims in dispatch 1.\n"


def test_reference_list_and_remove(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ivanov.txt"
    path.write_text(RUSSIAN, "utf-8")
    assert invoke(runner, "reference", "add", case.root, path, "--language", "ru").exit_code == 0
    listed = json.loads(invoke(runner, "reference", "list", case.root, "--json").stdout)
    assert [(r["id"], r["language"], r["label"]) for r in listed] == [(1, "ru", "ivanov.txt")]
    assert invoke(runner, "reference", "list", case.root).stdout.startswith("1  ru  ")
    gone = invoke(runner, "reference", "remove", case.root, "1")
    assert gone.exit_code == 0 and gone.stdout == "Reference text 1 (ivanov.txt) removed from the pool.\n"
    assert json.loads(invoke(runner, "reference", "list", case.root, "--json").stdout) == []
    with case.connect() as conn:  # the original and its custody stay: originals are write-once
        assert conn.execute(sa.select(sa.func.count()).select_from(t.custody)).scalar() == 1
        assert conn.execute(sa.select(t.audit.c.action).order_by(t.audit.c.seq.desc())).scalar() == \
            "authorship.reference-remove"
    again = invoke(runner, "reference", "remove", case.root, "1")
    assert (again.exit_code, again.stderr) == (1, "Error: No such reference text 1 in this case.\n")


def test_series_list_and_remove(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    root = mail_case.root
    assert invoke(runner, "series", "list", root).stdout == "Veter: 3 letters\n"
    assert json.loads(invoke(runner, "series", "list", root, "--json").stdout) == [
        {"id": 1, "name": "Veter", "source": None, "letters": 3}]
    missing = invoke(runner, "series", "remove", root, "Shtorm")
    assert (missing.exit_code, missing.stderr) == (
        1, "Error: No such series 'Shtorm' in this case. Series in this case: Veter.\n")
    done = invoke(runner, "series", "remove", root, "Veter")
    assert done.exit_code == 0
    assert done.stdout == "Series 'Veter' removed; 3 dispatches are now in no series.\n"
    with mail_case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.series)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(t.dispatch)).scalar() == 6
    assert invoke(runner, "series", "list", root).stdout.startswith("This case has no series yet")


def test_series_with_verdicts_is_not_removed(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.store.records import verdicts

    with mail_case.transaction() as conn:
        verdicts.add(conn, 1, 1, "m", "1", 0.0, 0.5, "cannot tell", [], [])
    refused = invoke(runner, "series", "remove", mail_case.root, "Veter")
    assert refused.exit_code == 1
    assert refused.stderr == ("Error: The series 'Veter' has authorship verdicts and cannot be removed; its letters "
                              "were judged against it.\n")


def test_glossary_remove(runner, case: Case) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "glossary", "add", case.root, "штаб", "headquarters").exit_code == 0
    done = invoke(runner, "glossary", "remove", case.root, "штаб")
    assert done.exit_code == 0 and done.stdout == "Removed “штаб” → “headquarters” from the glossary.\n"
    assert json.loads(invoke(runner, "glossary", "list", case.root, "--json").stdout) == {"terms": []}
    again = invoke(runner, "glossary", "remove", case.root, "штаб")
    assert (again.exit_code, again.stderr) == (1, "Error: No such term “штаб” (ru → en) in the glossary.\n")


def test_alias_list_and_remove(runner, case: Case) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "alias", "add", case.root, "Iturup", "Etorofu-jima").exit_code == 0
    listed = json.loads(invoke(runner, "alias", "list", case.root, "--json").stdout)
    desk = [a for a in listed if a["origin"] == "desk"]
    assert [(a["name"], a["entity"], a["type"]) for a in desk] == [("Etorofu-jima", "Iturup", "LOC")]
    assert "Etorofu-jima → Iturup (LOC, entity 1; desk)\n" in invoke(runner, "alias", "list", case.root).stdout
    gazetteer = next(a["name"] for a in listed if a["origin"] == "gazetteer")
    refused = invoke(runner, "alias", "remove", case.root, gazetteer)
    assert (refused.exit_code, refused.stderr) == (
        1, f"Error: {gazetteer!r} is a name of Iturup found by the analysis (gazetteer), not an alias the desk added; "
        "it cannot be removed.\n")
    done = invoke(runner, "alias", "remove", case.root, "Etorofu-jima")
    assert (done.exit_code, done.stdout) == (0, "Removed the alias “Etorofu-jima” of Iturup (entity 1).\n")
    assert [a for a in json.loads(invoke(runner, "alias", "list", case.root, "--json").stdout)
            if a["origin"] == "desk"] == []
    with case.connect() as conn:
        assert conn.execute(sa.select(t.audit.c.action).order_by(t.audit.c.seq.desc())).scalar() == \
            "claims.alias.remove"
    again = invoke(runner, "alias", "remove", case.root, "Etorofu-jima")
    assert (again.exit_code, again.stderr) == (
        1, "Error: No such alias 'Etorofu-jima' in this case (see `leakdesk alias list CASE`).\n")


def test_token_list_and_remove(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.store.records import accounts

    secret = tmp_path / "pw"
    secret.write_text("a long enough password\n", "utf-8")
    added = invoke(runner, "user", "add", case.root, "anna", "--role", "editor", "--password-file", secret)
    assert added.exit_code == 0
    assert invoke(runner, "token", "list", case.root).stdout.startswith("No API tokens yet;")
    token = invoke(runner, "token", "create", case.root, "anna", "--label", "nightly").stdout.strip()
    listed = json.loads(invoke(runner, "token", "list", case.root, "--json").stdout)
    assert [(x["id"], x["user"], x["label"]) for x in listed] == [(1, "anna", "nightly")]
    assert token not in invoke(runner, "token", "list", case.root).stdout  # never shown again
    assert accounts.token_user(case, token) is not None
    gone = invoke(runner, "token", "remove", case.root, "1")
    assert (gone.exit_code, gone.stdout) == (
        0, "Token 1 (nightly, acting as anna) revoked; scripts using it are refused from now on.\n")
    assert accounts.token_user(case, token) is None
    assert json.loads(invoke(runner, "token", "list", case.root, "--json").stdout) == []
    with case.connect() as conn:
        assert conn.execute(sa.select(t.audit.c.action).order_by(t.audit.c.seq.desc())).scalar() == "token.revoke"
    again = invoke(runner, "token", "remove", case.root, "1")
    assert (again.exit_code, again.stderr) == (
        1, "Error: No such token 1 in this case (see `leakdesk token list CASE`).\n")


def test_series_show(runner, mail_case: Case) -> None:  # type: ignore[no-untyped-def]
    out = invoke(runner, "series", "show", mail_case.root, "Veter")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == "Series Veter: 3 letters"
    assert [line.split()[:3] for line in lines[1:]] == [["1.", "dispatch", "3"], ["2.", "dispatch", "1"],
                                                         ["3.", "dispatch", "5"]]
    data = json.loads(invoke(runner, "series", "show", mail_case.root, "Veter", "--json").stdout)
    assert [(d["id"], d["number"], d["subject"]) for d in data["letters"]] == [
        (3, 1, "Первое"), (1, 2, "Второе"), (5, 3, "Без даты")]
