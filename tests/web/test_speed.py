"""The desk's caches: pages kept per session until the case changes, ETags, the overview's partial re-reads, and
searches that read only what a page shows. Every test proves an edit shows at once and nothing crosses sessions."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leakdesk.authorship import casework
from leakdesk.case import Case
from leakdesk.store import tables as t
from leakdesk.store.records import desk
from leakdesk.web import overview
from tests.web.conftest import login


def _ids(case: Case) -> list[int]:
    with case.connect() as conn:
        return [r.id for r in conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.parent_id.is_(None))
                                           .order_by(t.dispatch.c.id))]


def _row_status(page: str, dispatch_id: int) -> str:
    found = re.search(rf'<tr class="letter status-row-(\w+)" data-id="{dispatch_id}">', page)
    assert found, page[:500]
    return found.group(1)


def test_an_edit_from_the_desk_or_the_cli_shows_at_once(client: TestClient, app, desk_case: Case) -> None:  # type: ignore[no-untyped-def]
    first, second = _ids(desk_case)[:2]
    csrf = login(client, "editor")
    assert _row_status(client.get("/").text, first) == "consistent"
    assert "No expert has reviewed this letter." in client.get(f"/dispatches/{first}").text
    assert _row_status(client.get("/").text, first) == "consistent"  # served from the cache
    assert app.state.pages.hits >= 1
    client.post(f"/dispatches/{first}/reviews", data={"csrf": csrf, "verdict": "fake", "confidence": "0.9"})
    assert _row_status(client.get("/").text, first) == "disputed"  # the verdict says same hand, the expert fake
    assert "<td>editor</td><td>fake</td><td>0.9</td>" in client.get(f"/dispatches/{first}").text
    # A change made outside the desk (the CLI's own function, another connection) is seen just as fast.
    with Case.open(desk_case.root, actor="olga") as other:
        casework.review(other, second, "doubtful", 0.6, "olga", "from the command line")
    assert _row_status(client.get("/").text, second) == "doubtful"
    assert "from the command line" in client.get(f"/dispatches/{second}").text


def test_pages_are_never_shared_between_sessions_or_roles(app, desk_case: Case) -> None:  # type: ignore[no-untyped-def]
    first = _ids(desk_case)[0]
    with TestClient(app, follow_redirects=False) as editor, TestClient(app, follow_redirects=False) as viewer:
        editor_csrf = login(editor, "editor")
        viewer_csrf = login(viewer, "viewer")
        mine = editor.get(f"/dispatches/{first}")
        theirs = viewer.get(f"/dispatches/{first}")
        assert "Record review as editor" in mine.text and "Record review as" not in theirs.text
        assert editor_csrf in mine.text and editor_csrf not in theirs.text and viewer_csrf in theirs.text
        assert mine.headers["etag"] != theirs.headers["etag"]
        assert "editor · editor" in editor.get("/").text and "viewer · viewer" in viewer.get("/").text


def test_an_unchanged_page_answers_304_and_a_changed_one_does_not(client: TestClient, desk_case: Case) -> None:
    first = _ids(desk_case)[0]
    csrf = login(client, "editor")
    page = client.get(f"/dispatches/{first}")
    tag = page.headers["etag"]
    again = client.get(f"/dispatches/{first}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert page.headers["cache-control"] == "no-store"  # a leak's letters are never kept on the reader's disk
    client.post(f"/dispatches/{first}/reviews", data={"csrf": csrf, "verdict": "genuine", "confidence": "0.7"})
    changed = client.get(f"/dispatches/{first}", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    client.cookies.clear()
    assert client.get(f"/dispatches/{first}", headers={"If-None-Match": tag}).status_code == 303  # login first


def test_a_review_rereads_only_its_letter_and_matches_a_full_read(client: TestClient, desk_case: Case) -> None:
    first = _ids(desk_case)[0]
    csrf = login(client, "reviewer")
    client.get("/")
    reads = overview.LETTERS.full_reads
    client.post(f"/dispatches/{first}/reviews", data={"csrf": csrf, "verdict": "fake", "confidence": "0.8"})
    client.get("/")
    assert overview.LETTERS.full_reads == reads  # the login and the review re-read one letter, not all
    with desk_case.connect() as conn:
        cached = overview.LETTERS.get(desk_case, conn)
        fresh = desk.letters(conn)
    assert [(x.row, x.status, x.combined) for x in cached.lines] == [
        (r, overview.line(r).status, overview.line(r).combined) for r in fresh]
    with desk_case.transaction() as conn:  # anything else (here: an ingest) reads every letter again
        desk_case.audit(conn, "intake.ingest", "path:elsewhere", {})
    client.get("/")
    assert overview.LETTERS.full_reads == reads + 1


def test_the_overview_renders_one_page_of_rows(desk_case: Case) -> None:
    view = overview.build(desk_case, sort="subject", descending=True, per_page=2)
    assert [x.row.subject for x in view.lines] == ["СРОЧНО", "Письмо о Курилах"]
    assert len(view.rows_html) == 2 and "СРОЧНО" in view.rows_html[0]
    second = overview.build(desk_case, sort="subject", descending=True, page=2, per_page=2)
    assert [x.row.subject for x in second.lines] == ["О погоде"] and second.pages == 2


def test_search_pages_words_and_runs_the_meaning_search_only_when_it_helps(client: TestClient,
                                                                           desk_case: Case) -> None:
    from leakdesk.web import search_view

    search_view.refresh(desk_case)
    login(client, "viewer")
    words = search_view.run(desk_case, "Итуруп", meaning=None, per_page=1)
    assert (words.words_total, words.pages, len(words.words)) == (2, 2, 1)
    assert words.meaning_ran == "few words"  # two texts is fewer than MEANING_BELOW
    second = search_view.run(desk_case, "Итуруп", meaning=False, page=2, per_page=1)
    assert len(second.words) == 1 and second.meaning_ran == "" and second.meaning == []
    assert {words.words[0].hit.kind, second.words[0].hit.kind} == {"original", "translation"}
    page = client.get("/search", params={"q": "Iturup"}).text
    assert "letters close in meaning are shown too" in page
    asked = client.get("/search", params={"q": "war with Japan over the Kuril islands", "meaning": "1"}).text
    assert '<ol class="hits meaning">' in asked and "Письмо о Курилах" in asked


def test_the_meaning_search_keeps_its_matrix_until_passages_change(desk_case: Case) -> None:
    from leakdesk.language import encoder as semantic
    from leakdesk.store.records import search
    from leakdesk.web import search_view

    search_view.refresh(desk_case)
    cache = search.PassageCache()
    with desk_case.connect() as conn:
        matrix, spans = cache.get(conn, semantic.MODEL_NAME)
    assert matrix.flags["C_CONTIGUOUS"] and matrix.dtype.name == "float32" and len(spans) == matrix.shape[0] > 0
    with desk_case.transaction() as conn:
        desk_case.audit(conn, "web.login", "user:someone", {})
    with desk_case.connect() as conn:
        assert cache.get(conn, semantic.MODEL_NAME)[0] is matrix  # a login changes no passage
    with desk_case.transaction() as conn:
        newest = conn.execute(sa.select(sa.func.max(t.search_passage.c.id))).scalar_one()
        conn.execute(t.search_passage.delete().where(t.search_passage.c.id == newest))
    with desk_case.connect() as conn:
        assert cache.get(conn, semantic.MODEL_NAME)[0].shape[0] == matrix.shape[0] - 1


def test_the_audit_page_filter_by_person_uses_its_index(desk_case: Case) -> None:
    with desk_case.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM audit WHERE actor = ? ORDER BY seq DESC LIMIT 100", ("editor",)))
    assert "ix_audit_actor_seq" in plan and "TEMP B-TREE" not in plan


def test_api_answers_are_cached_too_and_follow_an_edit(client: TestClient, desk_case: Case) -> None:
    first = _ids(desk_case)[0]
    csrf = login(client, "editor")
    r = client.get(f"/api/dispatches/{first}")
    assert r.json()["reviews"] == [] and client.get(f"/api/dispatches/{first}",
                                                    headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    client.post(f"/api/dispatches/{first}/reviews", json={"verdict": "genuine", "confidence": 0.6},
                headers={"x-csrf-token": csrf})
    assert [x["verdict"] for x in client.get(f"/api/dispatches/{first}").json()["reviews"]] == ["genuine"]
    assert client.get("/api/dispatches/999999").json() == {"error": "No such dispatch 999999 in this case."}


def test_the_page_cache_is_bounded_by_count_and_bytes() -> None:
    from leakdesk.web.cache import PageCache

    pages = PageCache(size=3, max_bytes=100)
    for i in range(5):
        pages.put(f"k{i}", b"x" * 10, "text/html")
    assert pages.get("k0") is None and pages.get("k4") == (b"x" * 10, "text/html") and pages.bytes == 30
    pages.put("big", b"y" * 11, "text/html")  # more than a tenth of the budget: not kept
    assert pages.get("big") is None
    pages.put("k4", b"z" * 5, "text/html")
    assert pages.bytes == 25
