"""leakdesk: a workbench for desks that receive leaked dispatches."""

__version__ = "0.1.0"
