"""Redacted FollowTheMoney and ClaimReview exports: the plain exports (export_ftm.py, claimreview.py) with the
series' approved redactions applied to every value, e-mail addresses and local paths withheld, and the originals'
verbatim bodies left out (a verbatim body is what a canary trap matches; the redacted translation stays)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leakdesk.publish.claimreview import reviews
from leakdesk.publish.export_ftm import ExportError, build, validate
from leakdesk.publish.redact import Redactor
from leakdesk.publish.shareable import withhold

__all__ = ["ExportError", "redacted_claimreview", "redacted_ftm"]

DROPPED_FTM = ("bodyText", "bodyHtml", "headers")


def _clean(value: Any, redactor: Redactor, case_root: Path) -> Any:
    if isinstance(value, str):
        return withhold(redactor.apply(value)[0], False, case_root)
    if isinstance(value, list):
        return [_clean(v, redactor, case_root) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v, redactor, case_root) for k, v in value.items()}
    return value


def _reviewed(case: Any, series: str) -> Redactor:
    redactor = Redactor.for_series(case, series)
    redactor.require_reviewed()
    return redactor


def _check(text: str, redactor: Redactor, out: Path) -> None:
    left = redactor.leftovers(text)
    if left:
        raise ExportError(f"{out.name}: {len(left)} redacted name(s) would still be in the export; nothing was "
                          "written.")


def redacted_ftm(case: Any, out: Path, series: str) -> dict[str, Any]:
    """FtM entities, one per line, redacted (see the module docstring); audited."""
    redactor = _reviewed(case, series)
    entities = build(case)
    lines = []
    for proxy in entities:
        validate(proxy)
        data = proxy.to_dict()
        props = {k: v for k, v in data.get("properties", {}).items() if k not in DROPPED_FTM}
        data["properties"] = _clean(props, redactor, case.root)
        lines.append(json.dumps(data, ensure_ascii=False, sort_keys=True))
    text = "\n".join(lines) + "\n"
    _check(text, redactor, out)
    if not out.parent.exists():
        raise ExportError(f"{out.parent}: no such folder; choose where to write the export.")
    out.write_text(text, "utf-8")
    with case.transaction() as conn:
        case.audit(conn, "publish.export.ftm", out.name, {"entities": len(lines), "redacted": True, "series": series,
                                                          "redactions": [x.id for x in redactor.redactions]})
    return {"file": str(out), "entities": len(lines), "redacted": True}


def redacted_claimreview(case: Any, out: Path, series: str, publisher: str = "leakdesk desk") -> dict[str, Any]:
    """ClaimReview JSON-LD with every value redacted; audited."""
    redactor = _reviewed(case, series)
    items = _clean(reviews(case, publisher), redactor, case.root)
    text = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    _check(text, redactor, out)
    if not out.parent.exists():
        raise ExportError(f"{out.parent}: no such folder; choose where to write the export.")
    out.write_text(text, "utf-8")
    with case.transaction() as conn:
        case.audit(conn, "publish.export.claimreview", out.name, {"reviews": len(items), "redacted": True,
                                                                  "series": series})
    return {"file": str(out), "reviews": len(items), "redacted": True}
