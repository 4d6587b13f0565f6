"""Jinja templates, autoescaped everywhere: a letter's content is hostile and is only ever text in a page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                  auto_reload=False)  # templates are package files: no stat() per page


def _when(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("T", " ")[:16]


env.filters["when"] = _when


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    who = getattr(request.state, "visitor", None)
    page = env.get_template(template).render(request=request, who=who, csrf=who.csrf if who else "", **context)
    return HTMLResponse(page, status_code=status)
