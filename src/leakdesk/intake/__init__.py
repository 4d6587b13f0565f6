"""Intake: one reader per kind of input, chosen by a registry; each yields dispatches and their children."""
