"""Every route needs a session, every state change needs the CSRF token, every role gets only its rights."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import login

PUBLIC = {"/login"}
VALUES = {"dispatch_id": "1", "position": "0", "claim_id": "1", "name": "Veter"}


def _routes(app, method: str) -> list[str]:  # type: ignore[no-untyped-def]
    from leakdesk.web import api, pages

    paths = []
    for route in [*pages.router.routes, *api.router.routes, *app.routes]:
        if isinstance(route, APIRoute) and method in route.methods and route.path not in PUBLIC:
            paths.append(re.sub(r"\{(\w+)\}", lambda m: VALUES[m.group(1)], route.path))
    return paths


def test_every_route_without_a_session_is_refused(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    gets, posts = _routes(app, "GET"), _routes(app, "POST")
    assert len(gets) >= 18 and len(posts) >= 10  # the scan sees the whole desk
    for path in gets:
        r = client.get(path)
        if path.startswith("/api/"):
            assert r.status_code == 401, path
        else:
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    for path in posts:
        assert client.post(path, data={"x": "1"}).status_code == 401, path


def test_every_post_without_the_csrf_token_is_forbidden(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    login(client, "admin")
    for path in _routes(app, "POST"):
        r = client.post(path, data={"translation_id": "1", "target": "x", "comment": "x", "verdict": "fake",
                                    "confidence": "1", "status": "retracted", "name": "x", "alias": "y"})
        assert r.status_code == 403, path
        assert "did not come from the desk" in r.text, path
        r = client.post(path, json={"translation_id": 1, "target": "x"}, headers={"x-csrf-token": "forged"})
        assert r.status_code == 403, path
    page = client.get("/login")  # the login form has its own token
    assert page.status_code == 200
    assert client.post("/login", data={"name": "admin", "password": "x"}).status_code == 403


@pytest.mark.parametrize(("role", "path", "data", "allowed"), [
    ("viewer", "/dispatches/1/reviews", {"verdict": "fake", "confidence": "0.9"}, False),
    ("translator", "/dispatches/1/reviews", {"verdict": "fake", "confidence": "0.9"}, False),
    ("reviewer", "/dispatches/1/reviews", {"verdict": "fake", "confidence": "0.9"}, True),
    ("reviewer", "/dispatches/1/segments/0", {"translation_id": "1", "target": "Changed."}, False),
    ("translator", "/dispatches/1/segments/0", {"translation_id": "1", "target": "Changed."}, True),
    ("translator", "/claims/1/status", {"status": "retracted"}, False),
    ("viewer", "/dispatches/1/segments/0/comments", {"translation_id": "1", "comment": "hm"}, False),
    ("reviewer", "/dispatches/1/segments/0/comments", {"translation_id": "1", "comment": "hm"}, True),
    ("reviewer", "/entities/aliases", {"name": "x", "alias": "y"}, False),
])
def test_roles(client: TestClient, role: str, path: str, data: dict[str, str], allowed: bool) -> None:
    csrf = login(client, role)
    r = client.post(path, data={**data, "csrf": csrf})
    if allowed:
        assert r.status_code == 303, r.text
    else:
        assert r.status_code == 403
        assert f"{role} is a {role} and may not" in r.text


def test_api_token_works_without_cookie_and_needs_no_csrf(client: TestClient, desk_case) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.store.records import accounts

    token = accounts.create_token(desk_case, "reviewer", "test")
    auth = {"authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=auth).json() == {"name": "reviewer", "role": "reviewer"}
    r = client.post("/api/dispatches/1/reviews", json={"verdict": "doubtful", "confidence": 0.5}, headers=auth)
    assert r.status_code == 200 and r.json()["reviewer"] == "reviewer"
    r = client.post("/api/dispatches/1/segments/0", json={"translation_id": 1, "target": "x"}, headers=auth)
    assert r.status_code == 403
    assert r.json() == {"error": "reviewer is a reviewer and may not change translations."}
    assert client.get("/api/me", headers={"authorization": "Bearer nope"}).status_code == 401
    schema = client.get("/api/openapi.json", headers=auth).json()
    assert "/api/dispatches/{dispatch_id}/reviews" in schema["paths"]
