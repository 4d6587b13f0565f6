"""core tables: originals, sources, series, dispatches, headers, texts, custody, IMAP state, audit.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("time", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("object", sa.String(length=500), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_hash")),
    )
    op.create_table(
        "imap_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=500), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imap_state")),
        sa.UniqueConstraint("mailbox", name=op.f("uq_imap_state_mailbox")),
    )
    op.create_table(
        "original",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_original")),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_source_pseudonym")),
    )
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name=op.f("fk_series_source_id_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
        sa.UniqueConstraint("name", name=op.f("uq_series_name")),
    )
    op.create_table(
        "dispatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("original_sha256", sa.String(length=64), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("media_type", sa.String(length=200), nullable=True),
        sa.Column("reader", sa.String(length=80), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("recipients", sa.Text(), nullable=True),
        sa.Column("date", sa.String(length=60), nullable=True),
        sa.Column("date_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("variant_of", sa.Integer(), nullable=True),
        sa.Column("pgp_status", sa.String(length=40), nullable=True),
        sa.Column("pgp_details", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("ingested", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["original_sha256"], ["original.sha256"], name=op.f("fk_dispatch_original_sha256_original")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["dispatch.id"], name=op.f("fk_dispatch_parent_id_dispatch")),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], name=op.f("fk_dispatch_series_id_series")),
        sa.ForeignKeyConstraint(
            ["variant_of"], ["dispatch.id"], name=op.f("fk_dispatch_variant_of_dispatch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_dispatch_dedup_key")),
    )
    op.create_index(op.f("ix_dispatch_message_id"), "dispatch", ["message_id"], unique=False)
    op.create_index(op.f("ix_dispatch_original_sha256"), "dispatch", ["original_sha256"], unique=False)
    op.create_index(op.f("ix_dispatch_parent_id"), "dispatch", ["parent_id"], unique=False)
    op.create_index(op.f("ix_dispatch_series_id"), "dispatch", ["series_id"], unique=False)
    op.create_table(
        "custody",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispatch_id"], ["dispatch.id"], name=op.f("fk_custody_dispatch_id_dispatch")
        ),
        sa.ForeignKeyConstraint(["sha256"], ["original.sha256"], name=op.f("fk_custody_sha256_original")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody")),
    )
    op.create_index(op.f("ix_custody_dispatch_id"), "custody", ["dispatch_id"], unique=False)
    op.create_index(op.f("ix_custody_sha256"), "custody", ["sha256"], unique=False)
    op.create_table(
        "header",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("decoded", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispatch_id"], ["dispatch.id"], name=op.f("fk_header_dispatch_id_dispatch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_header")),
    )
    op.create_index(op.f("ix_header_dispatch_id"), "header", ["dispatch_id"], unique=False)
    op.create_table(
        "text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("charset", sa.String(length=60), nullable=True),
        sa.Column("charset_reason", sa.Text(), nullable=True),
        sa.Column("extractor", sa.String(length=80), nullable=False),
        sa.Column("extractor_version", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_text_dispatch_id_dispatch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text")),
    )
    op.create_index(op.f("ix_text_dispatch_id"), "text", ["dispatch_id"], unique=False)
    _append_only_audit()


def _append_only_audit() -> None:
    """The database itself refuses UPDATE and DELETE on the audit log."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_text_dispatch_id"), table_name="text")
    op.drop_table("text")
    op.drop_index(op.f("ix_header_dispatch_id"), table_name="header")
    op.drop_table("header")
    op.drop_index(op.f("ix_custody_sha256"), table_name="custody")
    op.drop_index(op.f("ix_custody_dispatch_id"), table_name="custody")
    op.drop_table("custody")
    op.drop_index(op.f("ix_dispatch_series_id"), table_name="dispatch")
    op.drop_index(op.f("ix_dispatch_parent_id"), table_name="dispatch")
    op.drop_index(op.f("ix_dispatch_original_sha256"), table_name="dispatch")
    op.drop_index(op.f("ix_dispatch_message_id"), table_name="dispatch")
    op.drop_table("dispatch")
    op.drop_table("series")
    op.drop_table("source")
    op.drop_table("original")
    op.drop_table("imap_state")
    op.drop_table("audit")
