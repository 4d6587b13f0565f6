"""Redacted FtM and ClaimReview exports: pseudonyms everywhere, no addresses, no verbatim bodies, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import LeakdeskError
from leakdesk.publish.exports import redacted_claimreview, redacted_ftm
from leakdesk.publish.redact import list_redactions, propose, review
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.publish.test_redact import LETTER_1, storm  # noqa: F401  (fixture)


def test_redacted_ftm_has_pseudonyms_and_no_addresses_or_bodies(storm: Case, tmp_path: Path) -> None:  # noqa: F811
    made = propose(storm, "Буря")
    out = tmp_path / "x.jsonl"
    with pytest.raises(LeakdeskError, match="still wait for review"):
        redacted_ftm(storm, out, "Буря")
    review(storm, [x.id for x in made], "approved")
    result = redacted_ftm(storm, out, "Буря")
    text = out.read_text("utf-8")
    assert result["entities"] == len(text.splitlines()) > 0
    for secret in ("Гранатов", "Granatov", "burya@mail.example", "345678", "Буря"):
        assert secret not in text, secret
    assert "Person 1" in text and LETTER_1[:30] not in text
    entities = [json.loads(line) for line in text.splitlines()]
    assert not any("bodyText" in e["properties"] for e in entities)
    with storm.connect() as conn:
        last = conn.execute(sa.select(t.audit).order_by(t.audit.c.seq.desc()).limit(1)).first()
    assert last.action == "publish.export.ftm" and json.loads(last.details)["redacted"] is True


def test_redacted_exports_from_the_cli(storm: Case, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    review(storm, [x.id for x in propose(storm, "Буря")], "approved")
    result = invoke(runner, "export", "ftm", storm.root, tmp_path / "a.jsonl", "--redacted", "Буря")
    assert result.exit_code == 0, result.output
    assert "Гранатов" not in (tmp_path / "a.jsonl").read_text("utf-8")
    result = invoke(runner, "export", "claimreview", storm.root, tmp_path / "b.json", "--redacted", "Буря")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "b.json").read_text("utf-8")) == []  # no claim has a verdict yet
    assert redacted_claimreview(storm, tmp_path / "c.json", "Буря")["reviews"] == 0
    assert len(list_redactions(storm, "Буря", "approved")) >= 5
