"""Keeping secrets out of what leakdesk stores and shows: URLs with their credentials removed.

Use `redact_url()` wherever a URL may reach the audit log, a report, a model name, an error or the terminal.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HIDDEN = "***"
# query parameters that carry a secret (LibreTranslate's api_key, tokens, PostgreSQL's password=…)
SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "token", "access_token", "password", "passwd", "secret"})


def _netloc(host: str | None, port: int | None, user: str | None, hidden_password: bool) -> str:
    where = host or ""
    if ":" in where:  # an IPv6 address
        where = f"[{where}]"
    if port is not None:
        where += f":{port}"
    if user:
        where = f"{user}{':' + HIDDEN if hidden_password else ''}@{where}"
    return where


def redact_url(url: str) -> str:
    """`url` with its password (and secret query parameters) replaced by ***; anything else is unchanged.

    >>> redact_url("postgresql://desk:hunter2@db.example:5432/case?sslmode=require")
    'postgresql://desk:***@db.example:5432/case?sslmode=require'
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return HIDDEN if "@" in url else url  # unparseable: show nothing that might be a credential
    netloc = parts.netloc
    if parts.password is not None or "@" in netloc:
        netloc = _netloc(parts.hostname, port, parts.username, parts.password is not None)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in SECRET_PARAMS for k, _ in pairs):
            query = urlencode([(k, HIDDEN if k.lower() in SECRET_PARAMS else v) for k, v in pairs], safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing secret; urlunsplit would also drop the empty host of sqlite:////path
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def split_password(url: str) -> tuple[str, str | None]:
    """(the URL without its password, the password or None), for storing the two in different places."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    netloc = _netloc(parts.hostname, parts.port, parts.username, hidden_password=False)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), parts.password
