"""leakdesk: a workbench for desks that receive leaked dispatches."""

from leakdesk import compiled as _compiled

__version__ = "0.1.0"

_compiled.install()  # the mypyc-built reader modules, only where built from these very sources (leakdesk/compiled.py)
