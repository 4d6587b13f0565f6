"""`python -m leakdesk …` is the `leakdesk` command."""

from leakdesk.cli.main import main

main()
