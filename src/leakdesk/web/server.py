"""Run the desk on uvicorn with no access log and no client address anywhere in what it prints."""

from __future__ import annotations

import logging

from leakdesk.case import Case
from leakdesk.web.app import create_app
from leakdesk.web.search_view import refresh, warm

LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# uvicorn's own loggers, without the access logger and without any format that prints the peer.
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}


def serve(case: Case, host: str = "127.0.0.1", port: int = 8080, secure_cookies: bool | None = None) -> None:
    """Bring the search index up to date, then serve until interrupted."""
    import uvicorn

    refresh(case)
    warm(case)
    secure = host not in LOOPBACK if secure_cookies is None else secure_cookies
    app = create_app(case, secure_cookies=secure)
    logging.getLogger("uvicorn.access").disabled = True
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=LOG_CONFIG, server_header=False,
                proxy_headers=False, date_header=False)
