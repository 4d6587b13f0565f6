"""URLs shown and stored without their credentials."""

from __future__ import annotations

import pytest

from leakdesk.secrets import redact_url, split_password


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://desk:hunter2@db.example:5432/case?sslmode=require",
         "postgresql://desk:***@db.example:5432/case?sslmode=require"),
        ("postgresql+psycopg://desk@127.0.0.1/case", "postgresql+psycopg://desk@127.0.0.1/case"),
        ("https://translator:p%40ss@mt.desk.example/translate?api_key=s3cret&x=1",
         "https://translator:***@mt.desk.example/translate?api_key=***&x=1"),
        ("http://[::1]:5000/", "http://[::1]:5000/"),
        ("sqlite:////tmp/case/case.db", "sqlite:////tmp/case/case.db"),
        ("http://a:b@host:notaport/", "***"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_split_password() -> None:
    assert split_password("postgresql://desk:hunter2@db.example:6543/case") == (
        "postgresql://desk@db.example:6543/case", "hunter2")
    assert split_password("postgresql://desk@db.example/case") == ("postgresql://desk@db.example/case", None)
