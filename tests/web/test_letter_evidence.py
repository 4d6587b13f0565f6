"""What the letter page shows beside the letter: its exposure check, and for a claim about a labelling campaign the
media streams' measured onset beside the letter's date and the claimed start, the weekly plot, and the stream
evidence offered in the corroboration form (attached and audited under the user; the claim's status unchanged)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.records import accounts
from tests.narratives.campaign import campaign_letter
from tests.web.conftest import PASSWORD, login


def _ids(case: Case) -> list[int]:
    with case.connect() as conn:
        return [r.id for r in conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.parent_id.is_(None))
                                           .order_by(t.dispatch.c.id))]


def test_the_letter_page_shows_what_could_expose_the_source(client: TestClient, desk_case: Case) -> None:
    third = _ids(desk_case)[2]
    login(client, "viewer")
    page = client.get(f"/dispatches/{third}").text
    section = page[page.index('<section id="exposure">'):page.index('<section id="dates">')]
    row = re.search(r'<tr class="finding risk-high">(.*?)</tr>', section)
    assert row, section
    assert "<td>X-Originating-IP</td><td>[10.20.30.40]</td>" in row.group(1)
    assert "the sender&#39;s IP address as the webmail service recorded it" in row.group(1)
    assert "Quoting this letter in full publishes 10 words exactly as the source received them" in section
    assert "No exposure check has been run for the series Veter yet" in section
    api = client.get(f"/api/dispatches/{third}").json()["exposure"]
    assert [f["field"] for f in api["findings"]] == ["X-Originating-IP"]
    calm = client.get(f"/dispatches/{_ids(desk_case)[1]}").text
    assert "Nothing in this letter's headers or attachments names or locates anyone." in calm


def test_the_stored_series_check_adds_the_sender_change(client: TestClient, desk_case: Case) -> None:
    from leakdesk.publish.exposure import exposure_check

    third = _ids(desk_case)[2]
    exposure_check(desk_case, "Veter")
    login(client, "viewer")
    page = client.get(f"/dispatches/{third}").text
    section = page[page.index('<section id="exposure">'):page.index('<section id="dates">')]
    assert "<td>sender address changed</td><td>veter.2022@post.example</td>" in section
    assert "Comparisons with the rest of the series from the exposure check of" in section
    assert "No exposure check has been run" not in section


def test_a_verdict_without_evidence_is_refused_in_the_desk_s_words(client: TestClient, desk_case: Case) -> None:
    first = _ids(desk_case)[0]
    with desk_case.transaction() as conn:
        text_id = conn.execute(sa.select(t.text.c.id).where(t.text.c.dispatch_id == first)).scalar_one()
        claim_id = conn.execute(t.claim.insert().values(
            dispatch_id=first, text_id=text_id, start_char=0, end_char=10, text="Вертолёты перебросили на Итуруп.",
            actors=[], places=[], anchor_source="letter-date", modality="asserted", polarity="positive", flags=[],
            status="unverified", model_version="t", created=dt.datetime.now(dt.UTC))).inserted_primary_key[0]
    csrf = login(client, "reviewer")
    r = client.post(f"/claims/{claim_id}/status", data={"csrf": csrf, "status": "contradicted"})
    assert r.status_code == 400
    assert ("A claim can only be marked contradicted with its evidence: fill in “Evidence” with a web address or a "
            "dispatch number.") in r.text
    assert "--evidence" not in r.text
    api = client.post(f"/api/claims/{claim_id}/status", json={"status": "corroborated"},
                      headers={"x-csrf-token": csrf})
    assert api.status_code == 400 and api.json() == {"error": "A claim can only be marked corroborated with its "
                                                     "evidence: send `evidence`, a web address or a dispatch number."}
    with desk_case.connect() as conn:
        assert conn.execute(sa.select(t.claim.c.status).where(t.claim.c.id == claim_id)).scalar_one() == "unverified"


@pytest.mark.slow  # natasha parses the stream's labelled sentences (seconds on a busy machine)
def test_a_campaign_claim_shows_the_onset_and_its_evidence_can_be_attached(case: Case, tmp_path: Path) -> None:
    from leakdesk.narratives.trend import run_detection
    from leakdesk.web.app import create_app

    letter_id, campaign, other = campaign_letter(case, tmp_path)
    run_detection(case, "japanese", "nazi")
    for role in ("editor", "viewer"):
        accounts.add_user(case, role, role, PASSWORD)
    with TestClient(create_app(case), follow_redirects=False) as client:
        login(client, "viewer")
        page = client.get(f"/dispatches/{letter_id}").text
        block = page[page.index(f'id="evidence-{campaign}"'):]
        block = block[:block.index("</div>")]
        assert '<td class="letter-date">2022-03-17</td>' in block
        assert '<td class="claimed-start">2021-07-01 – 2021-07-31' in block
        onset = re.search(r'<td class="measured-onset"><strong>(\d{4}-\d\d-\d\d)</strong>', block)
        assert onset and abs((dt.date.fromisoformat(onset.group(1)) - dt.date(2021, 7, 19)).days) <= 7
        assert "falls within the claimed period" in block
        assert f'<img class="onset-plot" src="/claims/{campaign}/onset.svg"' in block
        assert f'id="evidence-{other}"' not in page  # the other claim names no campaign
        assert "Attach as evidence" not in page  # a viewer may not
        svg = client.get(f"/claims/{campaign}/onset.svg")
        assert svg.headers["content-type"] == "image/svg+xml"
        assert svg.content.startswith(b"<?xml") and f"measured onset {onset.group(1)}".encode() in svg.content
        assert client.get(f"/claims/{other}/onset.svg").status_code == 404
        csrf = accounts.csrf_token(client.cookies["leakdesk_session"])
        assert client.post(f"/claims/{campaign}/evidence", data={"csrf": csrf}).status_code == 403
        client.cookies.clear()
        csrf = login(client, "editor")
        page = client.get(f"/dispatches/{letter_id}").text
        assert "Attaching it does not change the claim's status" in page
        r = client.post(f"/claims/{campaign}/evidence", data={"csrf": csrf, "note": "matches the TV archive"})
        assert r.status_code == 303 and r.headers["location"] == f"/dispatches/{letter_id}#claim-{campaign}"
        page = client.get(f"/dispatches/{letter_id}").text
        assert "Attached as evidence by editor on" in page and "matches the TV archive" in page
    with case.connect() as conn:
        assert conn.execute(sa.select(t.claim.c.status).where(t.claim.c.id == campaign)).scalar_one() == "unverified"
        entry = conn.execute(sa.select(t.audit).where(t.audit.c.action == "narratives.evidence.attach")).one()
    assert entry.actor == "editor" and entry.object == f"claim:{campaign}"
