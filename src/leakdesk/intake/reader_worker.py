"""Entry point of the budgeted reader process: `python -m leakdesk.intake.reader_worker` (see intake/budget.py)."""

from leakdesk.intake.budget import serve

if __name__ == "__main__":
    serve()
