"""Intake: one reader per kind of input, chosen by a registry; each yields dispatches and their children.

The API: `ingest_paths`, `ingest_message_bytes`, `decrypt_dispatches`, `list_dispatches`, `set_desk_facts`,
`variant_pairs`, `variant_diff`, `create_series`, `assign_series`.
"""

from leakdesk.intake.dispatches import list_dispatches, set_desk_facts, variant_diff, variant_pairs
from leakdesk.intake.ingest import (
    DecryptResult,
    IngestResult,
    Outcome,
    decrypt_dispatches,
    ingest_message_bytes,
    ingest_paths,
)
from leakdesk.intake.registry import Limits
from leakdesk.intake.series import assign_series, create_series

__all__ = [
    "DecryptResult",
    "IngestResult",
    "Limits",
    "Outcome",
    "assign_series",
    "create_series",
    "decrypt_dispatches",
    "ingest_message_bytes",
    "ingest_paths",
    "list_dispatches",
    "set_desk_facts",
    "variant_diff",
    "variant_pairs",
]
