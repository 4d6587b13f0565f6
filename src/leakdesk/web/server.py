"""Run the desk on uvicorn with no access log and no client address anywhere in what it prints."""

from __future__ import annotations

import gc
import logging
import os

from fastapi import FastAPI

from leakdesk.case import Case
from leakdesk.web.app import create_app
from leakdesk.web.search_view import refresh, warm

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# What a worker process needs to open the case itself (`--workers N`); never secrets.
WORKER_CASE, WORKER_DB, WORKER_SECURE = "LEAKDESK_SERVE_CASE", "LEAKDESK_SERVE_DB", "LEAKDESK_SERVE_SECURE"

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


def serve(case: Case, host: str = "127.0.0.1", port: int = 8080, secure_cookies: bool | None = None,
          workers: int = 1) -> None:
    """Bring the search index up to date, then serve until interrupted (in `workers` processes)."""
    import uvicorn

    refresh(case)
    secure = host not in LOOPBACK if secure_cookies is None else secure_cookies
    logging.getLogger("uvicorn.access").disabled = True
    options = {"host": host, "port": port, "access_log": False, "log_config": LOG_CONFIG, "server_header": False,
               "proxy_headers": False, "date_header": False, "http": "httptools", "loop": "uvloop"}
    if workers > 1:
        os.environ[WORKER_CASE] = str(case.root)
        os.environ[WORKER_DB] = case.settings.db_url or ""
        os.environ[WORKER_SECURE] = "1" if secure else ""
        uvicorn.run("leakdesk.web.server:worker_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]
        return
    warm(case)
    app = create_app(case, secure_cookies=secure)
    settle()
    uvicorn.run(app, **options)  # type: ignore[arg-type]


def worker_app() -> FastAPI:
    """The app of one worker process: it opens the case named by the parent and warms its own caches."""
    case = Case.open(os.environ[WORKER_CASE], os.environ.get(WORKER_DB) or None)
    warm(case)
    app = create_app(case, secure_cookies=bool(os.environ.get(WORKER_SECURE)), owns_case=True)
    settle()
    return app


def settle() -> None:
    """After start-up: move everything loaded so far (the encoder, the search index, the letters) out of the
    garbage collector's sight, so that its full collections under load walk only what requests create, not the
    millions of long-lived objects of a large case (those walks were the multi-second tail of the search page)."""
    gc.collect()
    gc.freeze()
