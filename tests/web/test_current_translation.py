"""One rule for "the current translation" (final > in review > draft; human before machine) on every surface: the
letter page, the overview, `leakdesk show`, `leakdesk translation show` — not simply the newest one."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leakdesk.case import Case
from leakdesk.language.human import import_translation
from leakdesk.language.review import set_status
from leakdesk.store import tables as t
from leakdesk.store.records import translations
from tests.conftest import invoke
from tests.web.conftest import login

NEWER_DRAFT = "A later draft that nobody has reviewed. It says something else entirely.\n\nAnd more."


def _final_then_newer_draft(case: Case, tmp_path: Path) -> tuple[int, int, int]:
    """Letter 1's translation marked final, then a newer draft of the same letter imported."""
    with case.connect() as conn:
        first = conn.execute(sa.select(sa.func.min(t.dispatch.c.id)).where(t.dispatch.c.parent_id.is_(None))).scalar()
        final_id = conn.execute(sa.select(t.translation.c.id).where(t.translation.c.dispatch_id == first)).scalar()
    set_status(case, final_id, "final")
    draft = tmp_path / "later.en.txt"
    draft.write_text(NEWER_DRAFT, "utf-8")
    newer = import_translation(case, first, draft, translator="Someone Else", force=True)
    assert newer.id > final_id and newer.status == "draft"
    return first, final_id, newer.id


def test_record_layer_names_the_final_one_current(desk_case: Case, tmp_path: Path) -> None:
    first, final_id, newer_id = _final_then_newer_draft(desk_case, tmp_path)
    with desk_case.connect() as conn:
        assert translations.current(conn, first).id == final_id  # type: ignore[union-attr]
        assert translations.current_ids(conn)[first] == (final_id, "final")
        assert translations.current_ids(conn, {first}) == {first: (final_id, "final")}
    set_status(desk_case, newer_id, "final")  # two finals: the newer final wins
    with desk_case.connect() as conn:
        assert translations.current_ids(conn, {first}) == {first: (newer_id, "final")}


def test_letter_page_and_overview_show_the_current_translation(client: TestClient, desk_case: Case,
                                                               tmp_path: Path) -> None:
    first, final_id, _ = _final_then_newer_draft(desk_case, tmp_path)
    login(client, "viewer")
    page = client.get(f"/dispatches/{first}").text
    assert "Last August the Office prepared for a war with Japan." in page
    assert "A later draft that nobody has reviewed." not in page
    overview = client.get("/").text
    row = re.search(rf'data-id="{first}">(.*?)</tr>', overview, re.S)
    assert row is not None and "final" in row.group(1)


def test_show_and_translation_show_print_the_current_translation(runner: CliRunner, desk_case: Case,
                                                                 tmp_path: Path) -> None:
    first, final_id, _ = _final_then_newer_draft(desk_case, tmp_path)
    shown = invoke(runner, "show", desk_case.root, first)
    assert shown.exit_code == 0, shown.stderr
    assert f"Translation {final_id} into en: final" in shown.stdout
    assert "A later draft" not in shown.stdout
    listed = invoke(runner, "translation", "show", desk_case.root, first)
    assert listed.exit_code == 0, listed.stderr
    assert f"Current translation {final_id} of dispatch {first}" in listed.stdout
    assert "Last August the Office prepared for a war with Japan." in listed.stdout
    assert "A later draft" not in listed.stdout
