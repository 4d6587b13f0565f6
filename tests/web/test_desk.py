"""The desk end to end through its HTTP interface: login, overview, letter page, corrections, reviews, audit."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leakdesk.case import Case
from leakdesk.store import tables as t
from tests.web.conftest import PASSWORD, login


def _ids(case: Case) -> list[int]:
    with case.connect() as conn:
        return [r.id for r in conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.parent_id.is_(None))
                                           .order_by(t.dispatch.c.id))]


def test_pages_redirect_to_login_without_a_session(client: TestClient) -> None:
    r = client.get("/dispatches/1?x=1")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/dispatches/1%3Fx%3D1"
    assert client.get("/api/dispatches").json() == {"error": "Log in first: this needs a desk session or an API token."}


def test_wrong_password_is_refused_in_one_sentence_and_audited_nowhere(client: TestClient, desk_case: Case) -> None:
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/login", data={"name": "editor", "password": "not it at all", "csrf": csrf})
    assert r.status_code == 401
    assert "The user name, password or code is wrong." in r.text
    assert "leakdesk_session" not in client.cookies


def test_login_is_rate_limited_per_name(client: TestClient) -> None:
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    for _ in range(5):
        client.post("/login", data={"name": "viewer", "password": "wrong password", "csrf": csrf})
    r = client.post("/login", data={"name": "viewer", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 401
    assert "Too many failed logins for viewer; wait 15 minutes and try again." in r.text


def test_overview_shows_numbers_status_and_warnings(client: TestClient, desk_case: Case) -> None:
    login(client, "viewer")
    page = client.get("/").text
    rows = re.findall(r'<tr class="letter status-row-(\w+)" data-id="(\d+)">', page)
    assert [s for s, _ in rows] == ["consistent", "consistent", "disputed"]
    assert "sender changed: veter.2022@post.example instead of veter@mail.example" in page
    only = client.get("/", params={"status": "disputed"}).text
    assert "СРОЧНО" in only and "О погоде" not in only
    by_subject = client.get("/", params={"sort": "subject"}).text
    assert by_subject.index("О погоде") < by_subject.index("Письмо о Курилах") < by_subject.index("СРОЧНО")


def test_letter_page_side_by_side_with_verdict_and_custody(client: TestClient, desk_case: Case) -> None:
    login(client, "viewer")
    first = _ids(desk_case)[0]
    page = client.get(f"/dispatches/{first}").text
    assert '<td class="source" lang="ru">В августе прошлого года контора готовилась к войне с Японией.</td>' in page
    assert "Last August the Office prepared for a war with Japan." in page
    assert "Written by the same hand as the rest of the series (probability 93%)." in page
    assert re.search(r"intact \(sha256 re-checked 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC\)", page)
    assert "Save correction" not in page and "Record review as" not in page  # a viewer sees no forms


def test_correction_and_review_are_audited_under_the_users_name(client: TestClient, desk_case: Case) -> None:
    first = _ids(desk_case)[0]
    csrf = login(client, "editor")
    page = client.get(f"/dispatches/{first}").text
    translation_id = re.search(r'name="translation_id" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post(f"/dispatches/{first}/segments/0", data={
        "csrf": csrf, "translation_id": translation_id, "target": "Last August the Office got ready for war."})
    assert r.status_code == 303 and r.headers["location"] == f"/dispatches/{first}#segment-0"
    r = client.post(f"/dispatches/{first}/reviews", data={
        "csrf": csrf, "verdict": "genuine", "confidence": "0.7", "note": "matches the source's style"})
    assert r.status_code == 303
    page = client.get(f"/dispatches/{first}").text
    assert "Last August the Office got ready for war." in page
    assert "corrected by editor (v2)" in page
    assert "<td>editor</td><td>genuine</td><td>0.7</td><td>matches the source&#39;s style</td>" in page
    audit = client.get("/audit", params={"actor": "editor"}).text
    assert re.search(r'<td class="actor">editor</td><td class="action">authorship.review</td>', audit)
    assert re.search(r'<td class="actor">editor</td><td class="action">translation.correct</td>', audit)
    assert "is intact" in audit
    with desk_case.connect() as conn:
        actors = {r.actor for r in conn.execute(sa.select(t.audit.c.actor).where(
            t.audit.c.action.in_(["translation.correct", "authorship.review", "web.login"])))}
    assert actors == {"editor"}


def test_hostile_html_is_sanitised_and_sandboxed(client: TestClient, desk_case: Case) -> None:
    login(client, "viewer")
    second = _ids(desk_case)[1]
    page = client.get(f"/dispatches/{second}").text
    assert f'<iframe class="mail-html" sandbox src="/dispatches/{second}/html"' in page
    frame = client.get(f"/dispatches/{second}/html")
    assert "<b>холодная</b>" in frame.text
    for bad in ("<script", "tracker.example", "javascript:"):
        assert bad not in frame.text
    assert frame.headers["content-security-policy"].startswith("sandbox; default-src 'none'")


def test_security_headers_on_every_page(client: TestClient) -> None:
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "http" not in csp
    assert r.headers["referrer-policy"] == "no-referrer"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_search_finds_word_forms_transliteration_and_meaning(client: TestClient, desk_case: Case) -> None:
    from leakdesk.web.search_view import refresh

    refresh(desk_case)
    first = _ids(desk_case)[0]
    login(client, "viewer")
    page = client.get("/search", params={"q": "Итуруп"}).text
    assert "<mark>Итурупе</mark>" in page and "<mark>Итуруп</mark>" in page
    latin = client.get("/api/search", params={"q": "Iturup"}).json()
    assert {(h["dispatch_id"], h["kind"]) for h in latin["words"]} == {(first, "original"), (first, "translation")}
    english = client.get("/api/search", params={"q": "war with Japan over the Kuril islands"}).json()
    assert (first, "original") in {(h["dispatch_id"], h["kind"]) for h in english["meaning"]}


@pytest.mark.slow
def test_search_and_desk_on_postgres(tmp_path, fresh_postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.web.app import create_app
    from leakdesk.web.search_view import refresh
    from tests.web.conftest import build_case

    build_case(tmp_path / "pg", db_url=fresh_postgres_url)
    case = Case.open(tmp_path / "pg")
    try:
        assert case.engine.dialect.name == "postgresql"
        refresh(case)
        first = _ids(case)[0]
        with TestClient(create_app(case), follow_redirects=False) as client:
            login(client, "viewer")
            hits = client.get("/api/search", params={"q": "Итуруп"}).json()["words"]
            assert {(h["dispatch_id"], h["kind"]) for h in hits} == {(first, "original"), (first, "translation")}
            assert "[Итурупе]" in "".join(h["snippet"] for h in hits)
            latin = client.get("/api/search", params={"q": "Iturup"}).json()["words"]
            assert {h["dispatch_id"] for h in latin} == {first}
            page = client.get("/").text
            assert page.count('<tr class="letter') == 3
    finally:
        case.close()


def test_overview_pages_keep_filters(desk_case: Case) -> None:
    from leakdesk.web import overview

    view = overview.build(desk_case, series="Veter", sort="date", page=2, per_page=2)
    assert (view.matching, view.pages, len(view.lines)) == (3, 2, 1)
    assert view.lines[0].row.subject == "СРОЧНО"
    assert view.link(1) == "/?series=Veter&sort=date&page=1"


def test_a_form_cannot_change_another_letters_translation(client: TestClient, desk_case: Case) -> None:
    first, second = _ids(desk_case)[:2]
    csrf = login(client, "editor")
    page = client.get(f"/dispatches/{first}").text
    translation_id = re.search(r'name="translation_id" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post(f"/dispatches/{second}/segments/0", data={"csrf": csrf, "translation_id": translation_id,
                                                               "target": "Hijacked."})
    assert r.status_code == 404
    assert f"Dispatch {second} has no translation {translation_id}." in r.text
    r = client.post(f"/dispatches/{first}/segments/0", data={"csrf": csrf, "translation_id": translation_id,
                                                              "target": "   "})
    assert r.status_code == 400
    assert "A correction cannot be empty; comment on the segment instead." in r.text


def test_downloads_serve_only_what_the_case_has(client: TestClient, desk_case: Case) -> None:
    login(client, "viewer")
    r = client.get("/downloads/report")
    assert r.status_code == 404
    assert "The case report has not been written yet; run `leakdesk case report CASE` first." in r.text
    (desk_case.exports / "timeline.csv").write_text("date,claim\n", "utf-8")
    assert "timeline.csv" in client.get("/downloads").text
    r = client.get("/downloads/exports/timeline.csv")
    assert r.status_code == 200 and r.content == b"date,claim\n"
    assert r.headers["content-type"] == "application/octet-stream"
    for sneaky in ("..%2Fcase.json", ".hidden", "%2E%2E%2Fcase.db"):
        assert client.get(f"/downloads/exports/{sneaky}").status_code == 404


def test_login_with_an_authenticator_code(client: TestClient, desk_case: Case) -> None:
    import pyotp

    from leakdesk.store.records import accounts

    _, uri = accounts.add_user(desk_case, "second", "viewer", PASSWORD, totp=True)
    code = pyotp.TOTP(pyotp.parse_uri(uri).secret).now()  # type: ignore[arg-type]
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/login", data={"name": "second", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 401 and "The user name, password or code is wrong." in r.text
    r = client.post("/login", data={"name": "second", "password": PASSWORD, "csrf": csrf, "code": code,
                                    "next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/"  # never a redirect off the desk


def test_unknown_series_is_the_one_no_such_series_message(client: TestClient) -> None:
    """The desk's series page and search give the record layer's message (and 404), as the CLI does (exit 1)."""
    login(client, "viewer")
    message = "No such series 'Shtorm' in this case. Series in this case: Veter."
    page = client.get("/series/Shtorm")
    assert page.status_code == 404 and message in html.unescape(page.text)
    found = client.get("/api/search", params={"q": "Итуруп", "series": "Shtorm", "meaning": "false"})
    assert (found.status_code, found.json()) == (404, {"error": message})
    assert client.get("/api/search", params={"q": "Итуруп", "series": "Veter", "meaning": "false"}).status_code == 200
