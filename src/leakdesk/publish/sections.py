"""Moved to `leakdesk.sections` (capabilities must not import `publish`); kept so older imports still work."""

from leakdesk.sections import ReportSection

__all__ = ["ReportSection"]
