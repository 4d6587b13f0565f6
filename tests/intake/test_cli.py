"""`leakdesk ingest`, `dispatches`, `series`: output, store state and exact error text."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.intake.conftest import raw_message


def _case(tmp_path: Path) -> Path:
    Case.init(tmp_path / "case").close()
    return tmp_path / "case"


def test_ingest_ok_prints_a_summary_and_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    (tmp_path / "a.eml").write_bytes(raw_message())
    result = invoke(runner, "ingest", case, tmp_path / "a.eml", "--series", "Mole")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "1 new dispatches (0 attachments and nested messages), 0 already in the case, 0 containers, "
        "0 with errors, 0 with warnings.\n"
    )
    with Case.open(case) as c, c.connect() as conn:
        assert conn.execute(sa.select(t.series.c.name)).scalars().all() == ["Mole"]
        assert conn.execute(sa.select(t.dispatch.c.series_id)).scalars().all() == [1]


def test_ingest_failure_names_the_file_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "good.eml").write_bytes(raw_message())
    result = invoke(runner, "ingest", case, tmp_path / "empty.eml", tmp_path / "good.eml")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'empty.eml'}: the file is empty (0 bytes)\n"
    assert "1 with errors, 0 with warnings" in result.stdout and "2 new dispatches" in result.stdout


def test_ingest_json_and_variants(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    (tmp_path / "1.eml").write_bytes(raw_message(b"first version\n"))
    (tmp_path / "2.eml").write_bytes(raw_message(b"altered version\n"))
    result = invoke(runner, "ingest", case, tmp_path / "1.eml", tmp_path / "2.eml", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["created"] == [1, 2] and data["variants"] == [
        {"dispatch_id": 2, "variant_of": 1, "message_id": "<t1@example.org>"}
    ]
    listed = json.loads(invoke(runner, "dispatches", case, "--variants", "--json").stdout)
    assert [(d["id"], d["variant_of"]) for d in listed] == [(1, None), (2, 1)]
    keys = {"id", "parent_id", "sha256", "message_id", "subject", "date", "series", "language", "status", "error",
            "variant_of"}
    assert keys <= set(listed[0])
    text = invoke(runner, "ingest", case, tmp_path / "2.eml")
    assert "possible tampering" not in text.stdout
    assert "0 new dispatches" in text.stdout and "1 already in the case" in text.stdout


def test_missing_path_and_missing_case(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    result = invoke(runner, "ingest", case, tmp_path / "nope.eml")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'nope.eml'}: no such file or folder\n"
    result = invoke(runner, "ingest", tmp_path / "nocase", tmp_path / "nope.eml")
    assert result.exit_code == 1
    assert "not a leakdesk case folder" in result.stderr
    assert invoke(runner, "ingest", case).exit_code == 2


def test_series_create_and_assign(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    (tmp_path / "a.eml").write_bytes(raw_message())
    invoke(runner, "ingest", case, tmp_path / "a.eml")
    made = invoke(runner, "series", case, "create", "Insider letters", "--source", "Mole")
    assert made.exit_code == 0 and made.stdout == "Series 'Insider letters' created (id 1, source Mole).\n"
    again = invoke(runner, "series", case, "create", "Insider letters", "--source", "Mole")
    assert again.exit_code == 2 and again.stderr == "Error: A series called 'Insider letters' already exists.\n"
    done = invoke(runner, "series", case, "assign", "Insider letters", "1")
    assert done.exit_code == 0 and done.stdout == "1 dispatches now in series 'Insider letters'.\n"
    missing = invoke(runner, "series", case, "assign", "Nope", "1")
    assert missing.exit_code == 1
    assert missing.stderr == "Error: No such series 'Nope' in this case. Series in this case: Insider letters.\n"
    listed = json.loads(invoke(runner, "dispatches", case, "--json").stdout)
    assert listed[0]["series"] == "Insider letters"


def test_ingest_warning_exits_0_and_prints_warning_not_error(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    (tmp_path / "w.eml").write_bytes(raw_message(b"Hello =ZZ world\n", cte="quoted-printable"))
    result = invoke(runner, "ingest", case, tmp_path / "w.eml")
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"Warning: {tmp_path / 'w.eml'}: invalid quoted-printable in the body (part 1); the text "
                             "was decoded as far as possible\n")
    assert "0 with errors, 1 with warnings." in result.stdout


def test_variants_are_named_neutrally(runner: CliRunner, tmp_path: Path) -> None:
    case = _case(tmp_path)
    (tmp_path / "1.eml").write_bytes(raw_message(b"first version\n"))
    (tmp_path / "2.eml").write_bytes(raw_message(b"altered version\n"))
    result = invoke(runner, "ingest", case, tmp_path / "1.eml", tmp_path / "2.eml")
    assert result.exit_code == 0
    assert ("Two different copies share the Message-ID <t1@example.org>: dispatches 1 and 2 (compare them with "
            "`leakdesk dispatch variants CASE 2`).") in result.stdout
    assert "tampering" not in result.stdout
