"""Narratives: media streams, labelling of a target, trend and onset, and stream evidence for letters' claims.

`evidence_for_claim` and `attach_evidence` (in `evidence.py`) are re-exported here, imported on first use so that
reading a stream does not load the case and the claims records.
"""

from __future__ import annotations

from typing import Any

__all__ = ["attach_evidence", "claims_with_evidence", "evidence_for_claim"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from leakdesk.narratives import evidence

        return getattr(evidence, name)
    raise AttributeError(f"module 'leakdesk.narratives' has no attribute {name!r}")
