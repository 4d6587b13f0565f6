"""narratives (media streams, their files and items, narrative mentions) — issue 13.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_stream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_stream")),
        sa.UniqueConstraint("name", name=op.f("uq_media_stream_name")),
    )
    op.create_table(
        "stream_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("original_sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["original_sha256"], ["original.sha256"],
                                name=op.f("fk_stream_file_original_sha256_original")),
        sa.ForeignKeyConstraint(["stream_id"], ["media_stream.id"], name=op.f("fk_stream_file_stream_id_media_stream")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_file")),
    )
    op.create_index(op.f("ix_stream_file_stream_id"), "stream_file", ["stream_id"], unique=False)
    op.create_index(op.f("ix_stream_file_original_sha256"), "stream_file", ["original_sha256"], unique=False)
    op.create_table(
        "media_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("published", sa.String(length=60), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["stream_file.id"], name=op.f("fk_media_item_file_id_stream_file")),
        sa.ForeignKeyConstraint(["stream_id"], ["media_stream.id"], name=op.f("fk_media_item_stream_id_media_stream")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_item")),
        sa.UniqueConstraint("stream_id", "dedup_key", name=op.f("uq_media_item_stream_id")),
    )
    op.create_index(op.f("ix_media_item_stream_id"), "media_item", ["stream_id"], unique=False)
    op.create_index(op.f("ix_media_item_file_id"), "media_item", ["file_id"], unique=False)
    op.create_index(op.f("ix_media_item_date"), "media_item", ["date"], unique=False)
    op.create_table(
        "narrative_mention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("label_family", sa.String(length=80), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("target_surface", sa.Text(), nullable=False),
        sa.Column("label_surface", sa.Text(), nullable=True),
        sa.Column("hit", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["media_item.id"], name=op.f("fk_narrative_mention_item_id_media_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_narrative_mention")),
    )
    op.create_index(op.f("ix_narrative_mention_item_id"), "narrative_mention", ["item_id"], unique=False)
    op.create_index(op.f("ix_narrative_mention_target"), "narrative_mention", ["target"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_narrative_mention_target"), table_name="narrative_mention")
    op.drop_index(op.f("ix_narrative_mention_item_id"), table_name="narrative_mention")
    op.drop_table("narrative_mention")
    op.drop_index(op.f("ix_media_item_date"), table_name="media_item")
    op.drop_index(op.f("ix_media_item_file_id"), table_name="media_item")
    op.drop_index(op.f("ix_media_item_stream_id"), table_name="media_item")
    op.drop_table("media_item")
    op.drop_index(op.f("ix_stream_file_original_sha256"), table_name="stream_file")
    op.drop_index(op.f("ix_stream_file_stream_id"), table_name="stream_file")
    op.drop_table("stream_file")
    op.drop_table("media_stream")
