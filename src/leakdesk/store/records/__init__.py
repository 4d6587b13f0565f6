"""The record layer: typed reads and writes every capability, the CLI and the web desk use instead of raw tables.

One module per record family; each function takes an open `sqlalchemy.Connection` (from `case.connect()` for
reads, `case.transaction()` for writes) and returns frozen dataclasses, never rows:

- `dispatches`: the overview list, one dispatch, its tree of attachments, its texts and *the* original text
- `translations`: the current translation of a dispatch, any translation at any version, its segments
- `series`: series and sources by name
- `dates`: the letter's anchor date (one rule, with its reason)
- `verdicts`, `reviews`, `claims`: authorship verdicts, expert reviews, claims and their corroboration
- `status`: the combined per-dispatch status (its own verdict, reviews and claims; never inherited)
- `custody`: registering an original together with its custody row; the recorded digests of originals
- `entities`: people, organisations and places with their other names, and the mentions that name them
- `accounts`, `search`, `desk`: the web desk's users, sessions and tokens; its search index; the reads its pages need

Only `store/` imports `store/tables.py`; everything else goes through here.
"""
