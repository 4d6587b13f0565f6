"""Intake: one reader per kind of input, chosen by a registry; each yields dispatches and their children.

The API: `ingest_paths`, `ingest_message_bytes`, `list_dispatches`, `create_series`, `assign_series`.
"""

from leakdesk.intake.dispatches import list_dispatches
from leakdesk.intake.ingest import IngestResult, Outcome, ingest_message_bytes, ingest_paths
from leakdesk.intake.registry import Limits
from leakdesk.intake.series import assign_series, create_series

__all__ = [
    "IngestResult",
    "Limits",
    "Outcome",
    "assign_series",
    "create_series",
    "ingest_message_bytes",
    "ingest_paths",
    "list_dispatches",
]
