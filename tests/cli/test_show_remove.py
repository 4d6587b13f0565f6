"""`show` and `remove` where a user looks for them: reference texts, desk users, media streams (output, state,
exact errors; a removal evidence depends on is refused, any other is audited and keeps the originals)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.store import tables as t
from tests.cli.test_list_remove import RUSSIAN
from tests.conftest import invoke
from tests.narratives.campaign import campaign_letter, stream_csv


def _count(case: Case, table: sa.Table) -> int:
    with case.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _last_action(case: Case) -> str:
    with case.connect() as conn:
        return str(conn.execute(sa.select(t.audit.c.action).order_by(t.audit.c.seq.desc())).scalar())


def test_reference_show(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ivanov.txt"
    path.write_text(RUSSIAN, "utf-8")
    assert invoke(runner, "reference", "add", case.root, path, "--language", "ru").exit_code == 0
    shown = invoke(runner, "reference", "show", case.root, "1")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == "Reference text 1: ivanov.txt (ru, 45 words)"
    assert lines[1].startswith("Added ") and lines[1].endswith(f"original sha256 {_sha(case)}")
    assert lines[2:] == ["", RUSSIAN]
    found = json.loads(invoke(runner, "reference", "show", case.root, "1", "--json").stdout)
    assert (found["label"], found["words"], found["text"]) == ("ivanov.txt", 45, RUSSIAN)
    missing = invoke(runner, "reference", "show", case.root, "7")
    assert (missing.exit_code, missing.stderr) == (1, "Error: No such reference text 7 in this case.\n")


def _sha(case: Case) -> str:
    with case.connect() as conn:
        return str(conn.execute(sa.select(t.reference_text.c.original_sha256)).scalar_one())


def test_user_show(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "pw"
    secret.write_text("a long enough password\n", "utf-8")
    added = invoke(runner, "user", "add", case.root, "anna", "--role", "editor", "--password-file", secret)
    assert added.exit_code == 0
    token = invoke(runner, "token", "create", case.root, "anna", "--label", "nightly").stdout.strip()
    assert invoke(runner, "--user", "anna", "series", "create", case.root, "Veter").exit_code == 0
    shown = invoke(runner, "user", "show", case.root, "anna")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("anna (editor), added 20")
    assert lines[1:3] == ["Sessions open: 0", "API tokens in force: 1"]
    assert lines[3].startswith("  1  nightly  made 20") and token not in shown.stdout
    assert lines[4].startswith("Audit entries as actor: 1 (20")
    found = json.loads(invoke(runner, "user", "show", case.root, "anna", "--json").stdout)
    assert (found["role"], found["actions"], [x["label"] for x in found["tokens"]]) == ("editor", 1, ["nightly"])
    missing = invoke(runner, "user", "show", case.root, "nobody")
    assert (missing.exit_code, missing.stderr) == (1, "Error: There is no desk user called nobody.\n")


def test_stream_show_and_remove(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    added = invoke(runner, "stream", "add", case.root, stream_csv(tmp_path / "tv.csv"), "--name", "tv")
    assert added.exit_code == 0, added.output
    shown = invoke(runner, "stream", "show", case.root, "tv")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == "Stream tv: 168 item(s) from 2021-06-07 to 2021-08-29; sources: TV 0, TV 1"
    assert lines[1].startswith(f"  {tmp_path / 'tv.csv'} (csv, sha256 ")
    assert ": 168 item(s), 0 duplicate(s), 0 problem(s); added 20" in lines[1] and lines[1].endswith(" by tester")
    custody = _count(case, t.custody)
    gone = invoke(runner, "stream", "remove", case.root, "tv")
    assert (gone.exit_code, gone.stdout) == (0, "Stream tv removed: 168 item(s) and 0 analysed sentence(s); its 1 "
                                                "original file(s) and their custody stay in the case.\n")
    assert (_count(case, t.media_item), _count(case, t.media_stream), _count(case, t.custody)) == (0, 0, custody)
    assert _last_action(case) == "stream.remove"
    again = invoke(runner, "stream", "show", case.root, "tv")
    assert (again.exit_code, again.stderr) == (1, "Error: No such stream 'tv' in this case. This case has no media "
                                                  "streams yet.\n")


def test_stream_evidence_depends_on_is_not_removed(runner, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    letter, claim, _ = campaign_letter(case, tmp_path)
    now = dt.datetime.now(dt.UTC)
    with case.transaction() as conn:
        item = conn.execute(sa.select(t.media_item.c.id).limit(1)).scalar_one()
        conn.execute(t.narrative_mention.insert().values(
            item_id=item, target="Japan", label_family="nazism", date=dt.date(2021, 7, 19), start_char=0, end_char=5,
            sentence="x", target_surface="x", hit=True, score=1.0, features={}, version="t", created=now))
        conn.execute(t.claim_stream_evidence.insert().values(
            claim_id=claim, dispatch_id=letter, target="Japan", label_family="nazism", evidence={}, digest="d" * 64,
            actor="tester", created=now))
    items = _count(case, t.media_item)
    refused = invoke(runner, "stream", "remove", case.root, "tv")
    assert (refused.exit_code, refused.stderr) == (
        1, f"Error: The stream 'tv' is not removed: the evidence attached to claim(s) {claim} was drawn from its "
           "analysis, and that evidence must stay checkable.\n")
    assert (_count(case, t.media_item), _count(case, t.narrative_mention)) == (items, 1)
    other = invoke(runner, "stream", "remove", case.root, "radio")
    assert (other.exit_code, other.stderr) == (1, "Error: No such stream 'radio' in this case. Streams in this case: "
                                                  "tv.\n")
