"""One verification problem: did the author of the `known` texts also write `unknown`?"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    """Known texts by one author and one questioned text (PAN 2013-2015 layout, one folder per problem)."""

    known: list[str]
    unknown: str
    language: str = "en"
    id: str = ""
    kind: str = field(default="", compare=False)  # free label (e.g. "email", "letter"); informative only
