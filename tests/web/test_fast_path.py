"""The cached fast path: sessions remembered only while the case is unchanged, the state mark read fresh from the
database on every request, and one build of a page for all the requests that wait for it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from fastapi.testclient import TestClient

from leakdesk.case import Case
from leakdesk.store.records import accounts, desk
from leakdesk.web import overview as overview_view
from tests.web.conftest import login


def test_a_remembered_session_ends_at_once_on_logout_and_on_removal(client: TestClient, desk_case: Case) -> None:
    login(client, "viewer")
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200  # now remembered
    accounts.end_session(desk_case, client.cookies["leakdesk_session"])  # as the logout route does
    r = client.get("/")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    login(client, "translator")
    assert client.get("/api/me").json()["role"] == "translator"
    other = Case.open(desk_case.root, actor="admin")  # another process: `leakdesk user remove`
    try:
        accounts.remove_user(other, "translator")
    finally:
        other.close()
    assert client.get("/api/me").status_code == 401


def test_a_remembered_token_is_refused_once_revoked(client: TestClient, desk_case: Case) -> None:
    token = accounts.create_token(desk_case, "reviewer")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).json()["name"] == "reviewer"
    assert client.get("/api/me", headers=headers).json()["name"] == "reviewer"
    accounts.revoke_token(desk_case, accounts.list_tokens(desk_case)[-1]["id"])
    assert client.get("/api/me", headers=headers).status_code == 401


def test_state_watch_sees_another_connections_commit_at_once(desk_case: Case) -> None:
    watch = desk.StateWatch(desk_case.engine)
    try:
        before = watch.mark()
        assert watch.mark() == before
        other = Case.open(desk_case.root, actor="someone else")
        try:
            with other.transaction() as conn:
                other.audit(conn, "test.note", "case", {})
        finally:
            other.close()
        assert watch.mark() == before + 1
    finally:
        watch.close()


def test_requests_waiting_for_the_same_page_share_one_build(app: Any, client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    login(client, "viewer")
    cookie = client.cookies["leakdesk_session"]
    real_build, builds, release = overview_view.build, [], threading.Event()

    def slow_build(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        release.wait(30)  # held until every request has arrived
        return real_build(*args, **kwargs)

    monkeypatch.setattr(overview_view, "build", slow_build)

    async def ten_readers() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk",
                                     cookies={"leakdesk_session": cookie}) as c:
            tasks = [asyncio.create_task(c.get("/", params={"sort": "subject"})) for _ in range(10)]
            for _ in range(200):
                await asyncio.sleep(0)  # let every request reach the page cache
            release.set()
            return await asyncio.gather(*tasks)

    answers = asyncio.run(ten_readers())
    assert [r.status_code for r in answers] == [200] * 10
    assert len({r.text for r in answers}) == 1 and "Письмо о Курилах" in answers[0].text
    assert len(builds) == 1
