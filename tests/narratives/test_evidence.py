"""Stream evidence for a letter's claim: linked target, measured onset beside the letter's date and claimed start,
examples with source/URL, attaching it (audited, status unchanged), the report and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.errors import NarrativesError, NoSuchRecord, UsageError
from leakdesk.narratives.evidence import (
    attach_evidence,
    claims_with_evidence,
    compare,
    evidence_for_claim,
)
from leakdesk.narratives.report import sections
from leakdesk.narratives.trend import run_detection
from leakdesk.store import tables as t
from tests.conftest import invoke
from tests.narratives.campaign import PLANTED, campaign_letter

D = dt.date


def test_compare_in_words() -> None:
    july, letter = (D(2021, 7, 1), D(2021, 7, 31)), D(2022, 3, 17)
    assert compare(D(2021, 7, 19), D(2021, 7, 18), D(2021, 7, 20), *july, letter) == (
        "The measured onset (2021-07-19, likely 2021-07-18 – 2021-07-20) falls within the claimed period "
        "(2021-07-01 – 2021-07-31, give or take a week). It is 241 days before the letter's date (2022-03-17).")
    assert compare(D(2021, 8, 3), D(2021, 8, 2), D(2021, 8, 4), D(2021, 8, 1), None, None) == (
        "The measured onset (2021-08-03, likely 2021-08-02 – 2021-08-04) falls within a week of the claimed start "
        "(2021-08-01).")
    assert compare(D(2021, 5, 1), D(2021, 4, 28), D(2021, 5, 3), D(2021, 8, 1), None, None) == (
        "The measured onset (2021-05-01) is 92 days before the claimed start (2021-08-01).")
    assert compare(D(2022, 4, 1), D(2022, 3, 30), D(2022, 4, 2), *july, letter) == (
        "The measured onset (2022-04-01) is 244 days after the claimed period (2021-07-01 – 2021-07-31). "
        "It is 15 days after the letter's date (2022-03-17).")
    assert compare(D(2021, 7, 19), D(2021, 7, 18), D(2021, 7, 20), None, None, None) == (
        "The measured onset is 2021-07-19 (likely 2021-07-18 – 2021-07-20); the claim gives no start date.")
    assert compare(None, None, None, *july, letter).startswith("The streams show no significant rise")


@pytest.mark.slow  # natasha parses the stream's labelled sentences (seconds on a busy machine)
class TestClaimEvidence:
    @pytest.fixture
    def claimed(self, case: Case, tmp_path: Path) -> tuple[Case, int, int, int]:
        """A monitored stream, the letter with one claim about the campaign and one about nothing monitored."""
        letter_id, campaign, other = campaign_letter(case, tmp_path)
        return case, letter_id, campaign, other

    def test_evidence_attach_report_and_errors(self, claimed: tuple[Case, int, int, int]) -> None:
        case, letter_id, campaign, other = claimed
        with pytest.raises(NarrativesError) as not_yet:
            evidence_for_claim(case, campaign)
        assert str(not_yet.value) == (
            "The media streams have not been analysed for japanese (nazi) yet; run `leakdesk narrative trend CASE "
            "--target japanese --label-family nazi` first.")
        assert claims_with_evidence(case, letter_id) == {}
        run_detection(case, "japanese", "nazi")
        assert claims_with_evidence(case, letter_id) == {campaign: ("japanese", "nazi")}

        found = evidence_for_claim(case, campaign).as_dict()
        assert (found["target"], found["label_family"], found["dispatch_id"]) == ("japanese", "nazi", letter_id)
        assert found["claim"] == "Тогда же телевидение начало называть японцев нацистами."
        assert (found["letter_date"], found["claimed_start"], found["claimed_end"]) == (
            "2022-03-17", "2021-07-01", "2021-07-31")
        assert found["claimed_from"] == "the nearest date before it in the letter"
        assert (found["mentions"], found["first_day"], found["last_day"]) == (168, "2021-06-07", "2021-08-29")
        onset = D.fromisoformat(found["onset"])
        assert abs((onset - PLANTED).days) <= 3 and found["onset_low"] <= found["onset"] <= found["onset_high"]
        assert found["p_value"] < 0.01 and found["effect"]["rate_before"] == 0.0
        assert found["comparison"].startswith(f"The measured onset ({found['onset']}, likely ")
        assert "falls within the claimed period (2021-07-01 – 2021-07-31, give or take a week)" in found["comparison"]
        assert len(found["examples"]) == 5
        assert all(x["date"] >= found["onset"] and x["url"].startswith("https://tv.example/")
                   and x["source"].startswith("TV ") for x in found["examples"])
        assert found["attached"] == [] and found["other_links"] == []

        first = attach_evidence(case, campaign, note="  seen on the letter page ")
        again = attach_evidence(case, campaign)
        assert first.new and not again.new and again.attachment["id"] == first.attachment["id"]
        assert first.claim_status == "unverified" and first.attachment["actor"] == "tester"
        with case.connect() as conn:
            assert conn.execute(sa.select(t.claim.c.status).where(t.claim.c.id == campaign)).scalar() == "unverified"
            assert conn.execute(sa.select(sa.func.count()).select_from(t.corroboration)).scalar() == 0
            (row,) = conn.execute(sa.select(t.claim_stream_evidence)).all()
            audits = conn.execute(sa.select(t.audit.c.actor, t.audit.c.object).where(
                t.audit.c.action == "narratives.evidence.attach")).all()
        assert (row.claim_id, row.dispatch_id, row.actor, row.note) == (campaign, letter_id, "tester",
                                                                       "seen on the letter page")
        assert row.onset.isoformat() == found["onset"] and row.evidence["examples"] == found["examples"]
        assert audits == [("tester", f"claim:{campaign}")]
        shown = evidence_for_claim(case, campaign).as_dict()["attached"]
        assert [(a["actor"], a["note"], a["onset"]) for a in shown] == [
            ("tester", "seen on the letter page", found["onset"])]

        (section,) = sections(case)
        assert "falls within the claimed period (2021-07-01 – 2021-07-31, give or take a week)" in section.html
        assert f"attached by tester on {dt.datetime.now(dt.UTC).date()}" in section.html

        with pytest.raises(NarrativesError) as unlinked:
            evidence_for_claim(case, other)
        assert str(unlinked.value) == (
            f"Claim {other} (dispatch {letter_id}) names no monitored target together with a label (known targets: "
            "americans, japanese, ukrainians); give the target and label family to link it.")
        by_hand = evidence_for_claim(case, other, target="japanese", family="nazi")
        assert by_hand.onset is not None and by_hand.claimed_start is None  # the date is inside, not before
        with pytest.raises(NoSuchRecord, match=r"^No such claim 999 in this case\.$"):
            evidence_for_claim(case, 999)
        with pytest.raises(UsageError, match="There is no target called 'martians'"):
            evidence_for_claim(case, campaign, target="martians")

    def test_cli(self, claimed: tuple[Case, int, int, int], runner) -> None:  # type: ignore[no-untyped-def]
        case, letter_id, campaign, other = claimed
        run_detection(case, "japanese", "nazi")
        result = invoke(runner, "narratives", case.root, "--claim", campaign, "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert {"target", "onset", "onset_low", "onset_high", "letter_date", "claimed_start", "examples",
                "comparison", "attached"} <= set(data)
        plain = invoke(runner, "narratives", case.root, "--claim", campaign).output.splitlines()
        assert plain[0] == f"Claim {campaign} (dispatch {letter_id}): «Тогда же телевидение начало называть японцев " \
                           "нацистами.»"
        assert plain[1] == "Linked to the Japanese (японцы, Япония, Токио) — Nazis and fascists (нацисты, фашисты, " \
                           "неонацисты, бандеровцы)."
        assert plain[2] == "Letter dated 2022-03-17; claimed start 2021-07-01 – 2021-07-31 (the nearest date " \
                           "before it in the letter)."
        assert plain[-1] == "Not attached to the claim; keep it with `leakdesk narrative trend CASE --claim " \
                            f"{campaign} --attach`."
        attached = invoke(runner, "--user", "anna", "narratives", case.root, "--claim", campaign, "--attach")
        assert attached.exit_code == 0, attached.output
        assert attached.output.splitlines()[-1] == (
            f"Attached to claim {campaign} by anna; the claim's status is unchanged (unverified).")
        twice = invoke(runner, "--user", "anna", "narratives", case.root, "--claim", campaign, "--attach")
        assert twice.output.splitlines()[-1].startswith(f"Already attached to claim {campaign} by anna on ")
        unlinked = invoke(runner, "narratives", case.root, "--claim", other)
        assert unlinked.exit_code == 1
        assert "names no monitored target together with a label" in unlinked.output
        usage = invoke(runner, "narratives", case.root, "--attach")
        assert usage.exit_code == 2
        assert "--attach needs --claim ID: the claim the stream evidence is kept beside." in usage.output
        bare = invoke(runner, "narratives", case.root)
        assert bare.exit_code == 2 and "Name the monitored group with --target (or give --claim ID)." in bare.output
