"""Entry point of the budgeted reader process: `python -m leakdesk.intake.reader_worker` (see intake/budget.py)."""

import sys

from leakdesk.intake.budget import serve

if __name__ == "__main__":
    try:
        serve()
    except (BrokenPipeError, KeyboardInterrupt):  # the ingesting process is gone: nothing left to answer
        sys.exit(0)
