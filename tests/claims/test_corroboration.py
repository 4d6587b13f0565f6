"""Verdicts on claims: per claim, per dispatch, never inherited; every change audited."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from tests.claims.conftest import add_letter
from tests.conftest import invoke

from leakdesk.claims.claims import list_claims, run_claims
from leakdesk.claims.corroboration import dispatch_status, history, set_status
from leakdesk.errors import ClaimsError, UsageError
from leakdesk.store.tables import audit

SAME = "In August 2021 the army moved 12 helicopters to Iturup, the ministry said."


@pytest.fixture
def two_letters(case):  # type: ignore[no-untyped-def]
    first, _ = add_letter(case, SAME, language="en", subject="first")
    second, _ = add_letter(case, SAME, language="en", subject="impostor")
    run_claims(case)
    claims = {c["dispatch_id"]: c["id"] for c in list_claims(case)}
    return case, first, second, claims


def test_status_is_not_inherited_by_another_letter(two_letters) -> None:  # type: ignore[no-untyped-def]
    case, first, second, claims = two_letters
    set_status(case, claims[first], "corroborated", "https://example.org/report", "satellite images", "anna")
    statuses = {c["dispatch_id"]: c["status"] for c in list_claims(case)}
    assert statuses == {first: "corroborated", second: "unverified"}
    with case.connect() as conn:
        assert dispatch_status(conn, first)["overall"] == "corroborated"
        assert dispatch_status(conn, second)["overall"] == "unverified"


def test_every_change_is_audited_and_kept_in_history(two_letters) -> None:  # type: ignore[no-untyped-def]
    case, first, second, claims = two_letters
    set_status(case, claims[first], "corroborated", "https://example.org/a", None, "anna")
    set_status(case, claims[first], "contradicted", str(second), "the other letter says otherwise", "boris")
    assert [h["status"] for h in history(case, claims[first])] == ["corroborated", "contradicted"]
    assert history(case, claims[first])[1]["evidence"] == f"dispatch:{second}"
    with case.connect() as conn:
        rows = conn.execute(sa.select(audit).where(audit.c.action == "claims.status").order_by(audit.c.seq)).all()
        assert dispatch_status(conn, first)["overall"] == "has contradicted claims"
    assert [json.loads(r.details)["to"] for r in rows] == ["corroborated", "contradicted"]
    assert json.loads(rows[1].details)["reviewer"] == "boris"


def test_bad_verdicts_are_refused(two_letters) -> None:  # type: ignore[no-untyped-def]
    case, first, second, claims = two_letters
    with pytest.raises(UsageError, match="is not one of"):
        set_status(case, claims[first], "true", "https://x.org", None, "anna")
    with pytest.raises(UsageError, match="only be marked corroborated with its evidence"):
        set_status(case, claims[first], "corroborated", None, None, "anna")
    with pytest.raises(UsageError, match="--reviewer"):
        set_status(case, claims[first], "unverified", None, None, " ")
    with pytest.raises(ClaimsError, match="there is no dispatch 99"):
        set_status(case, claims[first], "corroborated", "99", None, "anna")
    with pytest.raises(ClaimsError, match="cannot be its own evidence"):
        set_status(case, claims[first], "corroborated", f"dispatch:{first}", None, "anna")
    with pytest.raises(UsageError, match="neither a web address"):
        set_status(case, claims[first], "corroborated", "my notes", None, "anna")
    assert {c["status"] for c in list_claims(case)} == {"unverified"}


def test_cli_claim(two_letters, runner) -> None:  # type: ignore[no-untyped-def]
    case, first, second, claims = two_letters
    ok = invoke(runner, "claim", case.root, claims[second], "--status", "contradicted", "--evidence",
                "https://example.org/x", "--note", "no helicopters seen", "--reviewer", "anna")
    assert ok.exit_code == 0, ok.output
    assert f"Claim {claims[second]} (dispatch {second}): unverified → contradicted" in ok.stdout
    assert (f"Dispatch {second} (its own claims only): has contradicted claims — 0 corroborated, 1 contradicted, "
            "0 unverified, 0 retracted") in " ".join(ok.stdout.split())
    only = invoke(runner, "claims", case.root, "--dispatch", first, "--json")
    assert [c["status"] for c in json.loads(only.stdout)] == ["unverified"]
    missing = invoke(runner, "claim", case.root, "999", "--status", "retracted", "--reviewer", "anna")
    assert missing.exit_code == 1
    assert "There is no claim 999 in this case; list them with `leakdesk claim list CASE`." in missing.stderr
    wrong = invoke(runner, "claim", case.root, claims[first], "--status", "maybe", "--reviewer", "anna")
    assert wrong.exit_code == 2
    assert "Status 'maybe' is not one of: unverified, corroborated, contradicted, retracted." in wrong.stderr


def test_evidence_from_the_same_source_is_accepted_with_a_warning(case, runner) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.store.tables import series, source

    with case.transaction() as conn:
        source_id = conn.execute(
            sa.insert(source).values(pseudonym="Ветер", created=sa.func.now())).inserted_primary_key[0]
        veter = conn.execute(sa.insert(series).values(name="Veter", source_id=source_id, created=sa.func.now())
                             ).inserted_primary_key[0]
    first, _ = add_letter(case, SAME, language="en", subject="first", series_id=veter)
    second, _ = add_letter(case, SAME, language="en", subject="second", series_id=veter)
    outsider, _ = add_letter(case, SAME, language="en", subject="a ministry statement")
    run_claims(case)
    claims = {c["dispatch_id"]: c["id"] for c in list_claims(case)}
    result = set_status(case, claims[first], "corroborated", str(second), None, "anna")
    assert result["independent"] is False
    assert result["warnings"] == [f"Dispatch {second} is another letter of the same source (series 'Veter'): it is "
                                  "not independent evidence, only the source saying it again."]
    assert history(case, claims[first])[0]["independent"] is False
    independent = set_status(case, claims[first], "corroborated", str(outsider), None, "anna")
    assert independent["independent"] is True and independent["warnings"] == []
    shown = invoke(runner, "claim", case.root, claims[second], "--status", "corroborated", "--evidence", str(first),
                   "--reviewer", "anna")
    assert "Warning: Dispatch" in shown.output and "is not independent evidence" in " ".join(shown.output.split())
    with case.connect() as conn:
        details = [json.loads(r.details) for r in conn.execute(
            sa.select(audit).where(audit.c.action == "claims.status").order_by(audit.c.seq))]
    assert [d.get("independent", True) for d in details] == [False, True, False]


def test_claims_of_a_letter_judged_fake_are_marked_author_doubtful_everywhere(two_letters, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.claims.timeline import write_timeline
    from leakdesk.store.records import reviews

    case, first, second, claims = two_letters
    with case.transaction() as conn:
        reviews.add(conn, second, "expert", "fake", 0.9, "not his way of writing")
        case.audit(conn, "authorship.review", f"dispatch/{second}", {"verdict": "fake"})
    marks = {c["dispatch_id"]: (c["author_doubtful"], c["author_doubt"]) for c in list_claims(case)}
    assert marks == {first: (False, None),  # the review of letter 2 says nothing about letter 1
                     second: (True, "experts judged this letter not to be by the series' writer")}
    page = write_timeline(case, out_dir=tmp_path)
    html = (tmp_path / "timeline.html").read_text("utf-8")
    assert "author doubtful: experts judged this letter not to be by the series&#39; writer" in html  # Jinja's escape
    assert "1 from letters whose author is doubtful (hatched)" in html
    assert "author doubtful" in (tmp_path / "timeline.svg").read_text("utf-8")
    assert page["files"]["svg"]
