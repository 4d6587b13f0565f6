"""The one HTML template engine outside the web desk: Jinja, autoescaped, strict about missing values.

Each package keeps its templates in its own `templates/` folder and renders them through `render`, so every
fragment of the case report (and every other HTML file leakdesk writes) escapes a letter's hostile text the same
way. It sits below the capabilities, next to `sections.py`, so intake, language, authorship, claims, narratives
and publish can all use it.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2


@functools.cache
def environment(package: str) -> jinja2.Environment:
    """The Jinja environment for `package`'s templates/ folder (autoescape on for every template)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(package: str, name: str, /, **context: Any) -> str:
    """Template `name` of `package` (e.g. "leakdesk.intake", "report.html.j2") rendered with `context`."""
    return environment(package).get_template(name).render(**context)
