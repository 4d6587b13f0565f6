"""File names found inside inputs are never trusted: they are reduced to a bare name and never used as paths."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_name(declared: str | None, folders_allowed: bool = False) -> tuple[str | None, str | None]:
    """(a bare file name safe to show and store, a problem sentence when the declared name had to be changed).

    Archive members may sit in folders (`folders_allowed`); an escape (`..`, an absolute path) is still a problem.
    """
    if declared is None:
        return None, None
    cleaned = _CONTROL.sub("", declared).replace("\\", "/")
    parts = [p for p in cleaned.split("/") if p not in ("", ".", "..")]
    name = parts[-1] if parts else "unnamed"
    name = name[:200]
    escapes = ".." in cleaned.split("/") or cleaned.startswith("/")
    if escapes or cleaned != declared or ("/" in cleaned and not folders_allowed):
        shown = declared.encode("unicode_escape").decode("ascii")[:200]
        return name, (
            f"the {'member' if folders_allowed else 'attachment'}'s name '{shown}' contains folder parts or "
            "control characters; "
            f"it is recorded as '{name}' and nothing was written outside the case"
        )
    return name, None
