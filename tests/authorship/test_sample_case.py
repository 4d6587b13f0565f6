"""The bundled sample case: the two impostor letters must come out as another hand, with readable reasons."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leakdesk.authorship.casework import add_references, verify_series
from leakdesk.authorship.series import series_report
from leakdesk.case import Case
from leakdesk.store import tables as t

sample = pytest.importorskip("leakdesk.sample")


@pytest.mark.slow
def test_sample_impostors_are_another_hand(case: Case) -> None:
    from leakdesk.intake import ingest_paths

    manifest = sample.load_manifest()
    ingest_paths(case, sample.mail_files(), series=manifest["series"], progress=False)
    add_references(case, sample.sample_dir() / "reference", "ru")
    with case.connect() as conn:
        by_message = dict(conn.execute(
            sa.select(t.dispatch.c.message_id, t.dispatch.c.id).where(t.dispatch.c.parent_id.is_(None))
        ).all())  # fmt: skip
    hand = {}
    for letter in manifest["letters"]:
        if "message-id-variant" not in letter["special"]:
            hand[by_message[letter["message_id"]]] = letter["hand"]
    impostors = sorted(d for d, h in hand.items() if h == "impostor")
    assert len(impostors) == 2

    results = {r["dispatch_id"]: r for r in verify_series(case, manifest["series"])}
    for d in impostors:
        assert results[d]["decision"] == "different", results[d]
        assert any("none here" in reason for reason in results[d]["reasons"]), results[d]["reasons"]
    insiders = [d for d, h in hand.items() if h == "insider" and results[d]["decision"] != "cannot tell"]
    assert len(insiders) >= 9
    assert all(results[d]["decision"] == "same" for d in insiders), {d: results[d]["decision"] for d in insiders}

    report = series_report(case, manifest["series"])
    ids = report["matrix"]["dispatch_ids"]
    groups = [sorted(ids[m] for m in h["members"]) for h in report["hands"]]
    assert impostors in groups
    assert len(groups) == 2
