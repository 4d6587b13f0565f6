"""The case schema, declared once (SQLAlchemy Core). Exports, reports and the web app map from here.

Sections follow the data flow: intake/store, language, authorship, claims. Each section has its own Alembic
migration in `store/migrations/versions/`; `tests/store/test_migrations.py` checks that the migrations build exactly
this schema.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = sa.DateTime(timezone=True)

# --------------------------------------------------------------------------- store and intake (issue 2)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("time", sa.String(40), nullable=False),  # ISO 8601 UTC, part of the hashed row
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("object", sa.String(500), nullable=False),
    sa.Column("details", sa.Text, nullable=False),  # canonical JSON
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
)

original = sa.Table(
    "original",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("sha1", sa.String(40), nullable=False),
    sa.Column("md5", sa.String(32), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("media_type", sa.String(200)),
    sa.Column("first_seen", TS, nullable=False),
)

# An original kept as a slice of its container's original (an mbox member whose bytes are exactly bytes
# [byte_offset, byte_offset + size) of the mbox): no file of its own; read, re-hashed and checked through the
# container.
original_slice = sa.Table(
    "original_slice",
    metadata,
    sa.Column("sha256", sa.ForeignKey("original.sha256"), primary_key=True),
    sa.Column("container_sha256", sa.ForeignKey("original.sha256"), nullable=False, index=True),
    sa.Column("byte_offset", sa.BigInteger, nullable=False),
)

source = sa.Table(
    "source",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("pseudonym", sa.String(200), nullable=False, unique=True),
    sa.Column("note", sa.Text),
    sa.Column("created", TS, nullable=False),
)

series = sa.Table(
    "series",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("source_id", sa.ForeignKey("source.id")),
    sa.Column("created", TS, nullable=False),
)

dispatch = sa.Table(
    "dispatch",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # top level: the original's sha256; child: "<parent id>/<part index>". Makes re-ingest idempotent.
    sa.Column("dedup_key", sa.String(200), nullable=False, unique=True),
    sa.Column("parent_id", sa.ForeignKey("dispatch.id"), index=True),
    sa.Column("original_sha256", sa.ForeignKey("original.sha256"), nullable=False, index=True),
    sa.Column("series_id", sa.ForeignKey("series.id"), index=True),
    sa.Column("kind", sa.String(40), nullable=False),  # email, file, attachment
    sa.Column("channel", sa.String(40), nullable=False),  # eml, mbox, maildir, imap, msg, file, zip
    sa.Column("filename", sa.Text),
    sa.Column("media_type", sa.String(200)),
    sa.Column("reader", sa.String(80)),
    sa.Column("message_id", sa.Text, index=True),
    sa.Column("subject", sa.Text),
    sa.Column("sender", sa.Text),
    sa.Column("recipients", sa.Text),
    sa.Column("date", sa.String(60)),  # as written, with its zone, ISO 8601
    sa.Column("date_utc", TS),
    sa.Column("language", sa.String(12)),
    sa.Column("status", sa.String(12), nullable=False),  # ok | error
    sa.Column("error", sa.Text),
    sa.Column("variant_of", sa.ForeignKey("dispatch.id")),
    sa.Column("pgp_status", sa.String(40)),  # none, decrypted, not-decrypted, signed-good, signed-bad, ...
    sa.Column("pgp_details", sa.JSON),
    sa.Column("details", sa.JSON),  # reader-specific facts (charset choice and why, limits hit, ...)
    sa.Column("ingested", TS, nullable=False),
)

# A dispatch's headers, one row per dispatch (migration 0024; a row per header before): `headers` is the canonical
# JSON (store/header_block.py) of [[dispatch id, position, name, raw, decoded], ...] in header order. Read through
# `records.dispatches.headers`; the digest of a dispatch's rows covers it header by header, as before.
dispatch_headers = sa.Table(
    "dispatch_headers",
    metadata,
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), primary_key=True, autoincrement=False),
    sa.Column("headers", sa.Text, nullable=False),
)

text = sa.Table(
    "text",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("role", sa.String(40), nullable=False),  # body, html-body, attachment, decrypted
    sa.Column("language", sa.String(12)),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("charset", sa.String(60)),
    sa.Column("charset_reason", sa.Text),
    sa.Column("extractor", sa.String(80), nullable=False),
    sa.Column("extractor_version", sa.String(40), nullable=False),
)

custody = sa.Table(
    "custody",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("time", TS, nullable=False),
    sa.Column("sha256", sa.ForeignKey("original.sha256"), nullable=False, index=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), index=True),
    sa.Column("event", sa.String(40), nullable=False),  # received, re-received, container
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # path, or imap://user@host/folder;UIDVALIDITY=..;UID=..
    sa.Column("location", sa.Text),  # position inside a container (message 12, part 2.1)
    sa.Column("actor", sa.String(200), nullable=False),
)

imap_state = sa.Table(
    "imap_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("mailbox", sa.String(500), nullable=False, unique=True),  # user@host:port/folder
    sa.Column("uidvalidity", sa.BigInteger, nullable=False),
    sa.Column("last_uid", sa.BigInteger, nullable=False),
    sa.Column("updated", TS, nullable=False),
)

# --------------------------------------------------------------------------- language (issue 4)

# A translation of one dispatch text; versions live in `segment` (a row per changed segment per version).
translation = sa.Table(
    "translation",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("text_id", sa.ForeignKey("text.id"), nullable=False),
    sa.Column("source_language", sa.String(12), nullable=False),
    sa.Column("target_language", sa.String(12), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),  # machine | human
    sa.Column("engine", sa.String(80)),  # local, libretranslate, memory; NULL for a human translation
    sa.Column("model", sa.String(200)),
    sa.Column("translator", sa.String(200)),
    sa.Column("status", sa.String(20), nullable=False),  # draft | in review | final
    sa.Column("version", sa.Integer, nullable=False),  # current version
    sa.Column("round", sa.Integer, nullable=False),  # review round, +1 each time a final translation is reopened
    sa.Column("final_version", sa.Integer),  # the version last marked final
    sa.Column("confidence", sa.Float),  # alignment confidence of an imported translation
    sa.Column("details", sa.JSON),  # file name and sha256 of an import, bead counts, memory hits
    sa.Column("created", TS, nullable=False),
    sa.Column("updated", TS, nullable=False),
)

# One aligned source/target pair at one version; merged/split beads hold several sentences in one segment.
segment = sa.Table(
    "segment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("translation_id", sa.ForeignKey("translation.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("paragraph", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("source_sentences", sa.Integer, nullable=False),
    sa.Column("target_sentences", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float),
    sa.Column("origin", sa.String(40), nullable=False),  # engine, memory, memory-fuzzy, human, correction
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
    sa.UniqueConstraint("translation_id", "position", "version"),
)

translation_comment = sa.Table(
    "translation_comment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("translation_id", sa.ForeignKey("translation.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("created", TS, nullable=False),
)

glossary_term = sa.Table(
    "glossary_term",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source_language", sa.String(12), nullable=False),
    sa.Column("target_language", sa.String(12), nullable=False),
    sa.Column("source_term", sa.Text, nullable=False),
    sa.Column("source_lemmas", sa.Text, nullable=False),  # space-separated lemmas used for matching
    sa.Column("target_term", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
    sa.UniqueConstraint("source_language", "target_language", "source_term"),
)

# --------------------------------------------------------------------------- authorship (issue 3)

reference_text = sa.Table(
    "reference_text",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("language", sa.String(12), nullable=False, index=True),
    sa.Column("label", sa.String(500), nullable=False),  # file name or the desk's label for the writer
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("original_sha256", sa.ForeignKey("original.sha256"), nullable=False, unique=True),
    sa.Column("created", TS, nullable=False),
)

authorship_verdict = sa.Table(
    "authorship_verdict",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("series_id", sa.ForeignKey("series.id"), nullable=False, index=True),
    sa.Column("method", sa.String(80), nullable=False),
    sa.Column("method_version", sa.String(40), nullable=False),
    sa.Column("score", sa.Float, nullable=False),  # fused log-odds
    sa.Column("probability", sa.Float, nullable=False),  # calibrated P(same author as the rest of the series)
    sa.Column("decision", sa.String(20), nullable=False),  # same | different | cannot tell
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("ood", sa.JSON, nullable=False),
    sa.Column("created", TS, nullable=False),
)

expert_review = sa.Table(
    "expert_review",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),  # genuine | doubtful | fake
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created", TS, nullable=False),
)


# --------------------------------------------------------------------------- claims (issue 5)

# One resolved real-world thing (person, place, organisation); `name` is the display name (nominative / gazetteer).
entity = sa.Table(
    "entity",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("type", sa.String(8), nullable=False),  # PER | LOC | ORG
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("key", sa.String(300), nullable=False, index=True),  # transliterated matching key of `name`
    sa.Column("gazetteer_id", sa.String(80)),  # built-in gazetteer entry it resolved to
    sa.Column("created", TS, nullable=False),
)

# Other names of an entity: transliterations and names in other languages (gazetteer), or added by the desk.
alias = sa.Table(
    "alias",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("entity_id", sa.ForeignKey("entity.id"), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("key", sa.String(300), nullable=False, index=True),
    sa.Column("origin", sa.String(20), nullable=False),  # desk | gazetteer | extracted
    sa.Column("actor", sa.String(200)),
    sa.Column("created", TS, nullable=False),
)

# One place in a text (original) or in a translation segment where an entity is named.
mention = sa.Table(
    "mention",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("entity_id", sa.ForeignKey("entity.id"), nullable=False, index=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("text_id", sa.ForeignKey("text.id"), index=True),
    sa.Column("translation_id", sa.ForeignKey("translation.id"), index=True),
    sa.Column("segment_id", sa.ForeignKey("segment.id")),
    sa.Column("start_char", sa.Integer, nullable=False),  # in the text, or in the segment's target
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("surface", sa.Text, nullable=False),
    sa.Column("language", sa.String(12)),
    sa.Column("method", sa.String(20), nullable=False),  # natasha | spacy | gazetteer | desk-alias | carried
    sa.Column("created", TS, nullable=False),
)

# A check-worthy sentence with its structure; `status` is the latest corroboration verdict for this claim only.
claim = sa.Table(
    "claim",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("text_id", sa.ForeignKey("text.id"), nullable=False, index=True),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("language", sa.String(12)),
    sa.Column("text_en", sa.Text),  # the English sentence that was scored (aligned translation) if not the same
    sa.Column("checkworthiness", sa.Float),
    sa.Column("scored_on", sa.String(40)),  # original | aligned-translation | not-scored
    sa.Column("actors", sa.JSON, nullable=False),  # [{"entity_id", "name", "type"}]
    sa.Column("places", sa.JSON, nullable=False),
    sa.Column("time_text", sa.Text),
    sa.Column("time_value", sa.String(60)),  # TIMEX3 value
    sa.Column("time_start", sa.Date),
    sa.Column("time_end", sa.Date),
    sa.Column("anchor", sa.Date),  # the date relative expressions were resolved against
    sa.Column("anchor_source", sa.String(20), nullable=False),  # letter-date | parent-letter-date | received-time
    sa.Column("modality", sa.String(20), nullable=False),  # asserted | preparing | planned | possible | reported
    sa.Column("polarity", sa.String(10), nullable=False),  # positive | negative
    sa.Column("flags", sa.JSON, nullable=False),  # reasons worth knowing (no letter date, mixed language, ...)
    sa.Column("status", sa.String(20), nullable=False),  # unverified | corroborated | contradicted | retracted
    sa.Column("model_version", sa.String(40), nullable=False),
    sa.Column("created", TS, nullable=False),
)

# Each verdict given on a claim, with its evidence; the history is kept, `claim.status` holds the latest.
corroboration = sa.Table(
    "corroboration",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("claim_id", sa.ForeignKey("claim.id"), nullable=False, index=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("previous_status", sa.String(20), nullable=False),
    sa.Column("evidence", sa.Text),  # URL, or "dispatch:<id>"
    sa.Column("evidence_dispatch_id", sa.ForeignKey("dispatch.id")),
    sa.Column("note", sa.Text),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
)

# Which texts/translations the entity and claim stages have processed, at which version, and what they noted.
claims_run = sa.Table(
    "claims_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.String(20), nullable=False),  # entities | carry | claims
    sa.Column("text_id", sa.ForeignKey("text.id"), index=True),
    sa.Column("translation_id", sa.ForeignKey("translation.id")),
    sa.Column("translation_version", sa.Integer),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("notes", sa.JSON, nullable=False),
    sa.Column("created", TS, nullable=False),
)

# timex
# One temporal expression in a dispatch's text, normalised TIMEX3-style and anchored on the letter's own date.
timex = sa.Table(
    "timex",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("text_id", sa.ForeignKey("text.id"), nullable=False, index=True),
    sa.Column("start_char", sa.Integer, nullable=False),  # character offsets in text.content (end exclusive)
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("surface", sa.Text, nullable=False),
    sa.Column("type", sa.String(10), nullable=False),  # DATE | TIME | DURATION | SET
    sa.Column("value", sa.String(60), nullable=False),  # TIMEX3 value: 2021-08, 2021-SU, P2W, XXXX-WXX-1, ...
    sa.Column("mod", sa.String(20)),  # START | MID | END | APPROX | ...
    sa.Column("interval_start", sa.Date),  # inclusive calendar interval, when the value is date-like
    sa.Column("interval_end", sa.Date),
    sa.Column("anchor", sa.Date),  # the date relative expressions were resolved against
    sa.Column("anchor_source", sa.String(20), nullable=False),  # letter-date | received-time | none
    sa.Column("flags", sa.JSON, nullable=False),  # invalid-date, two-digit-year, no-anchor, anchor-from-received-time
    sa.Column("note", sa.Text),
    sa.Column("version", sa.String(40), nullable=False),  # rule set version that produced the row
    sa.Column("created", TS, nullable=False),
)

# --------------------------------------------------------------------------- trust (issue 8, migration 0006)

# The seal of each audit entry: HMAC-SHA256 of its hash under the desk key (kept outside the case, see
# store/keys.py). Append-only like the log itself (database triggers).
audit_seal = sa.Table(
    "audit_seal",
    metadata,
    sa.Column("seq", sa.ForeignKey("audit.seq"), primary_key=True, autoincrement=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
)

# --------------------------------------------------------------------------- intake (issue 9, migration 0007)

# Facts the desk supplies for a letter whose original lacks them (a pasted or scanned letter without a date). Rows
# are only added (the latest per field counts); the original's own headers are never changed.
desk_fact = sa.Table(
    "desk_fact",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("field", sa.String(20), nullable=False),  # date | sender
    sa.Column("value", sa.Text, nullable=False),  # date: ISO 8601 as the desk gave it; sender: as written
    sa.Column("value_utc", TS),  # date: the same instant in UTC
    sa.Column("note", sa.Text),  # on what evidence the desk set it
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("time", TS, nullable=False),
)

# --------------------------------------------------------------------------- pipeline (issue 10, migration 0008)

# The provenance of every stage output: one row per stage and item (a dispatch, a text or a series), holding the
# stage's version and the hash of the inputs it read. `leakdesk run` redoes an item only when either changed.
stage_run = sa.Table(
    "stage_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.String(80), nullable=False),
    sa.Column("item", sa.String(200), nullable=False),  # dispatch:3, text:7, series:1
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("input_hash", sa.String(64), nullable=False),  # sha256 over the canonical JSON of the inputs
    sa.Column("status", sa.String(12), nullable=False),  # done | failed
    sa.Column("outputs", sa.JSON, nullable=False),  # what it wrote: {"timex": 4} or the reason it failed
    sa.Column("error", sa.Text),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("finished", TS, nullable=False),
    sa.UniqueConstraint("stage", "item"),
)

# The whole-series authorship analysis (hands, outliers, pairwise matrix), kept in the store so a team shares it.
series_analysis = sa.Table(
    "series_analysis",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("series_id", sa.ForeignKey("series.id"), nullable=False, index=True),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("result", sa.JSON, nullable=False),
    sa.Column("created", TS, nullable=False),
)

# --------------------------------------------------------------------------- web desk (issue 11, migration 0009)

# A person who uses the web desk. The password is kept only as an Argon2id hash; the TOTP secret, when set, is kept
# because the server must compute codes from it (the case folder is the desk's secret store: protect it).
web_user = sa.Table(
    "web_user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),  # admin | editor | translator | reviewer | viewer
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("created", TS, nullable=False),
    sa.Column("removed", TS),  # a removed user keeps the row so audit entries still name a known person
)

# A browser session; only the sha256 of the cookie value is stored. No address or user agent, ever.
web_session = sa.Table(
    "web_session",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.ForeignKey("web_user.id"), nullable=False, index=True),
    sa.Column("created", TS, nullable=False),
    sa.Column("expires", TS, nullable=False),
)

# A token for scripts using the JSON API; only its sha256 is stored, the token is shown once.
api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.ForeignKey("web_user.id"), nullable=False, index=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
    sa.Column("revoked", TS),
)

# Failed logins per account name (never per address), for rate limiting.
login_failure = sa.Table(
    "login_failure",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, index=True),
    sa.Column("time", TS, nullable=False),
)

# One searchable text: an original text or the current version of a translation, with its lemmas and embedding.
search_doc = sa.Table(
    "search_doc",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("text_id", sa.ForeignKey("text.id")),
    sa.Column("translation_id", sa.ForeignKey("translation.id")),
    sa.Column("version", sa.Integer),  # translation version indexed
    sa.Column("language", sa.String(12)),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("lemmas", sa.Text, nullable=False),  # space-separated lemmas and Latin transliterations
    sa.Column("indexed", TS, nullable=False),
)

# A paragraph of a searchable text with its multilingual sentence embedding, for cross-lingual search.
search_passage = sa.Table(
    "search_passage",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("doc_id", sa.ForeignKey("search_doc.id"), nullable=False, index=True),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("encoder", sa.String(80), nullable=False),
    sa.Column("embedding", sa.LargeBinary, nullable=False),  # float32 unit vector
)

# --------------------------------------------------------------------------- publication (issue 12, migration 0010)

# The last exposure check of a series: metadata findings, stylometric rank and canary-trap risk (JSON), kept so the
# report shows what was measured and when, without re-running the authorship engine.
exposure_check = sa.Table(
    "exposure_check",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("series_id", sa.ForeignKey("series.id"), nullable=False, index=True),
    sa.Column("population", sa.Text, nullable=False),  # "case reference pool" or the folder's name
    sa.Column("result", sa.JSON, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
)

# One redaction decision: what to hide (an entity, a pattern match, a term, or a span of one text) and the pseudonym
# that replaces it everywhere in the series and its translations. Proposed first; only approved ones are applied.
redaction = sa.Table(
    "redaction",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("series_id", sa.ForeignKey("series.id"), index=True),  # NULL: the whole case
    sa.Column("kind", sa.String(12), nullable=False),  # entity | pattern | term | span
    sa.Column("label", sa.String(40), nullable=False),  # person, place, organisation, email, phone, passport, ...
    sa.Column("entity_id", sa.ForeignKey("entity.id")),
    sa.Column("surfaces", sa.JSON, nullable=False),  # the strings replaced (names and aliases, the matched text)
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id")),  # span only
    sa.Column("text_id", sa.ForeignKey("text.id")),
    sa.Column("start_char", sa.Integer),
    sa.Column("end_char", sa.Integer),
    sa.Column("pseudonym", sa.String(200), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # proposed | approved | rejected
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
    sa.Column("reviewer", sa.String(200)),
    sa.Column("reviewed", TS),
    sa.Column("note", sa.Text),
)

# A file publish made from a dispatch (scrubbed, flattened or redacted copy); the original is never touched.
derivative = sa.Table(
    "derivative",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("source_sha256", sa.ForeignKey("original.sha256"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # scrubbed | flattened | redacted-text
    sa.Column("path", sa.Text, nullable=False),  # relative to the case folder
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("tool", sa.String(80), nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
)

# --------------------------------------------------------------------------- narratives (issue 13, migration 0011)

# A monitored media stream (a feed, a Telegram channel export, a CSV, a folder of articles), by the desk's name for it.
media_stream = sa.Table(
    "media_stream",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
)

# One file loaded into a stream: its original (custody lives in `custody`), what came out and what was refused.
stream_file = sa.Table(
    "stream_file",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("stream_id", sa.ForeignKey("media_stream.id"), nullable=False, index=True),
    sa.Column("original_sha256", sa.ForeignKey("original.sha256"), nullable=False, index=True),
    sa.Column("format", sa.String(20), nullable=False),  # rss | telegram | csv | article
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("items", sa.Integer, nullable=False),  # new items stored
    sa.Column("duplicates", sa.Integer, nullable=False),
    sa.Column("problems", sa.JSON, nullable=False),  # [{"location": "line 7", "problem": "..."}]
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
)

# One dated publication of a stream (a feed entry, a channel post, a CSV row, an article).
media_item = sa.Table(
    "media_item",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("stream_id", sa.ForeignKey("media_stream.id"), nullable=False, index=True),
    sa.Column("file_id", sa.ForeignKey("stream_file.id"), nullable=False, index=True),
    sa.Column("dedup_key", sa.String(64), nullable=False),  # sha256 of the URL, or of the date and the text
    sa.Column("location", sa.String(200), nullable=False),  # where in the file: "line 12", "entry 3", "message 55"
    sa.Column("published", sa.String(60), nullable=False),  # the date as written in the file
    sa.Column("date", sa.Date, nullable=False, index=True),
    sa.Column("source", sa.Text),  # outlet or channel
    sa.Column("url", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("language", sa.String(12)),
    sa.Column("created", TS, nullable=False),
    sa.UniqueConstraint("stream_id", "dedup_key"),
)

# A sentence of a media item that names a monitored target, and whether a label of the family is applied to it.
narrative_mention = sa.Table(
    "narrative_mention",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item_id", sa.ForeignKey("media_item.id"), nullable=False, index=True),
    sa.Column("target", sa.String(80), nullable=False, index=True),
    sa.Column("label_family", sa.String(80), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("start_char", sa.Integer, nullable=False),  # the sentence in media_item.content (end exclusive)
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("sentence", sa.Text, nullable=False),
    sa.Column("target_surface", sa.Text, nullable=False),
    sa.Column("label_surface", sa.Text),  # the label word, when the sentence has one
    sa.Column("hit", sa.Boolean, nullable=False),  # the label is applied to the target
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("features", sa.JSON, nullable=False),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("created", TS, nullable=False),
)

# ------------------------------------------------------------------ intake formats, OCR, DKIM (issue 9, migration 0012)

# One row per `leakdesk dispatch dkim` run over one email dispatch; its signatures are rows of `dkim_signature`.
dkim_check = sa.Table(
    "dkim_check",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("checked", TS, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("signatures", sa.Integer, nullable=False),  # DKIM-Signature headers found
    sa.Column("arc_result", sa.String(12), nullable=False),  # pass | fail | none (not ARC-sealed)
    sa.Column("arc_reason", sa.Text),
)

dkim_signature = sa.Table(
    "dkim_signature",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("check_id", sa.ForeignKey("dkim_check.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(12), nullable=False),  # dkim | arc-ams | arc-seal
    sa.Column("position", sa.Integer, nullable=False),  # 0 = topmost DKIM-Signature; ARC: the instance i=
    sa.Column("domain", sa.String(255)),
    sa.Column("selector", sa.String(255)),
    sa.Column("algorithm", sa.String(40)),
    sa.Column("result", sa.String(12), nullable=False),  # pass | fail | no key
    sa.Column("reason", sa.Text),
    sa.Column("key_source", sa.String(300)),  # "dns", "dns-file <name>", or null when no key was found
)


# S/MIME signature checks against a CA file the desk supplies (issue 9, migration 0022); a re-check adds a row.
smime_check = sa.Table(
    "smime_check",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("checked", TS, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("result", sa.String(20), nullable=False),  # good | bad | unknown signer | expired
    sa.Column("reason", sa.Text),
    sa.Column("signer_subject", sa.Text),
    sa.Column("signer_email", sa.String(320)),
    sa.Column("signer_issuer", sa.Text),
    sa.Column("signer_serial", sa.String(80)),
    sa.Column("signer_not_after", TS),
    sa.Column("ca_file", sa.String(500), nullable=False),  # the CA file's name as the desk gave it
    sa.Column("ca_sha256", sa.String(64), nullable=False),
    sa.Column("ca_subject", sa.Text),  # the certificate of the file that issued the signer's, when one did
    sa.Column("engine", sa.String(60), nullable=False),
)


# --------------------------------------------------------------------- ingest speed (issue 9, migration 0013)


# -------------------------------------------------- record layer: claims, language (issue 10, migration 0014)


# ------------------------------------------ record layer: publish, intake; exports (issue 10, migration 0015)


# --------------------------------------------------------------------- CLI grammar (issue 10, migration 0016)


# ----------------------------------------------------- web desk speed and evidence (issue 11, migration 0017)

# The audit page filtered by one person, newest first (`/audit?actor=NAME`), without reading the whole log.
sa.Index("ix_audit_actor_seq", audit.c.actor, audit.c.seq)


# -------------------------------------------------------------- encryption at rest (issue 12, migration 0018)


# ------------------------------------------------------------- narratives evidence (issue 13, migration 0019)

# Stream evidence a desk member attached to a letter's claim: the measured onset and examples as they stood then
# (a snapshot, so a later re-analysis does not rewrite what was attached). It never changes the claim's status.
claim_stream_evidence = sa.Table(
    "claim_stream_evidence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("claim_id", sa.ForeignKey("claim.id"), nullable=False, index=True),
    sa.Column("dispatch_id", sa.ForeignKey("dispatch.id"), nullable=False, index=True),
    sa.Column("target", sa.String(80), nullable=False),
    sa.Column("label_family", sa.String(80), nullable=False),
    sa.Column("onset", sa.Date),  # null: the stream showed no significant rise when it was attached
    sa.Column("onset_low", sa.Date),
    sa.Column("onset_high", sa.Date),
    sa.Column("evidence", sa.JSON, nullable=False),  # the whole ClaimEvidence as shown (`as_dict`)
    sa.Column("digest", sa.String(64), nullable=False),  # sha256 of the evidence JSON: the same snapshot once
    sa.Column("note", sa.Text),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created", TS, nullable=False),
    sa.UniqueConstraint("claim_id", "digest"),
)


# --------------------------------------------------------------- authorship series (issue 14, migration 0020)
