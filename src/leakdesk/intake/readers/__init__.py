"""One reader per kind of input, each a plain module here that subclasses `intake.reading.Reader`.

The registry lists them in `intake.registry.READERS` and imports them on first use; a reader never imports the
registry (the types it needs are in intake/reading.py).
"""
