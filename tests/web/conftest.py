"""A small case written for the desk tests: three Russian letters (one from a changed sender, one with an HTML
part that tries to load remote things), English translations, a verdict per letter, desk users of every role."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leakdesk.case import Case
from leakdesk.intake.ingest import ingest_paths
from leakdesk.language.human import import_translation
from leakdesk.store import tables as t
from leakdesk.store.records import accounts

PASSWORD = "correct horse battery"
ROLES = ("admin", "editor", "translator", "reviewer", "viewer")

LETTERS = [
    ("Письмо о Курилах", "veter@mail.example", "Thu, 17 Mar 2022 23:05:00 +0300",
     "В августе прошлого года контора готовилась к войне с Японией. Вертолёты перебросили на Итуруп.\n\n"
     "На Итурупе теперь стоят тридцать машин.",
     "Last August the Office prepared for a war with Japan. Helicopters were moved to Iturup.\n\n"
     "Thirty machines now stand on Iturup."),
    ("О погоде", "veter@mail.example", "Thu, 24 Mar 2022 21:58:00 +0300",
     "Погода в Москве холодная. Снег лежит до сих пор.",
     "The weather in Moscow is cold. The snow is still lying."),
    ("СРОЧНО", "veter.2022@post.example", "Tue, 19 Apr 2022 14:03:00 +0300",
     "Переведите деньги до пятницы. Иначе я больше ничего не пришлю.",
     "Transfer the money by Friday. Otherwise I will send nothing more."),
]
HOSTILE_HTML = ('<p>Погода <b>холодная</b>.</p><img src="https://tracker.example/pixel.gif">'
                '<script>alert(1)</script><a href="javascript:alert(2)">x</a>')


def _write_mail(folder: Path) -> list[Path]:
    paths = []
    for i, (subject, sender, date, body, _) in enumerate(LETTERS, start=1):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"], m["Date"] = f"Ветер <{sender}>", "olga@desk.example", subject, date
        m["Message-ID"] = f"<letter{i}@mail.example>"
        m.set_content(body)
        if i == 2:
            m.add_alternative(HOSTILE_HTML, subtype="html")
        if i == 3:
            m["X-Originating-IP"] = "[10.20.30.40]"  # what a webmail service records: the exposure check names it
        path = folder / f"{i:02d}.eml"
        path.write_bytes(m.as_bytes())
        paths.append(path)
    return paths


def build_case(root: Path, db_url: str | None = None) -> None:
    case = Case.init(root, db_url)
    mail = root.parent / f"{root.name}-mail"
    mail.mkdir()
    ingest_paths(case, _write_mail(mail), series="Veter", progress=False)
    with case.connect() as conn:
        ids = [r.id for r in conn.execute(sa.select(t.dispatch.c.id).where(t.dispatch.c.parent_id.is_(None))
                                          .order_by(t.dispatch.c.id))]
        series_id = conn.execute(sa.select(t.series.c.id)).scalar_one()
    for dispatch_id, letter in zip(ids, LETTERS, strict=True):
        english = mail / f"{dispatch_id}.en.txt"
        english.write_text(letter[4], "utf-8")
        import_translation(case, dispatch_id, english, translator="Eleanor Marsh")
    with case.transaction() as conn:  # verdicts as `leakdesk verify` stores them: letter 3 by another hand
        for dispatch_id, decision, p in zip(ids, ("same", "same", "different"), (0.93, 0.88, 0.04), strict=True):
            conn.execute(t.authorship_verdict.insert().values(
                dispatch_id=dispatch_id, series_id=series_id, method="fusion", method_version="test", score=0.0,
                probability=p, decision=decision, reasons=[f"test reason for {dispatch_id}"], ood=[],
                created=datetime.now(UTC)))
    for role in ROLES:
        accounts.add_user(case, role, role, PASSWORD)
    case.close()


@pytest.fixture(scope="session")
def template_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("desk") / "case"
    build_case(root)
    return root


@pytest.fixture
def desk_case(template_case: Path, tmp_path: Path) -> Iterator[Case]:
    root = tmp_path / "case"
    shutil.copytree(template_case, root)
    for path in root.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)  # copies of read-only originals; the case itself re-checks hashes
    case = Case.open(root, actor="tester")
    yield case
    case.close()


@pytest.fixture
def app(desk_case: Case):  # type: ignore[no-untyped-def]
    from leakdesk.web.app import create_app

    return create_app(desk_case)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, follow_redirects=False) as c:
        yield c


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the CSRF token for the session."""
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/login", data={"name": name, "password": password, "csrf": csrf})
    assert r.status_code == 303, r.text
    return accounts.csrf_token(client.cookies["leakdesk_session"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    """Until the server accepts connections (it indexes the case first)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError("the server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")
