"""language tables: translations, versioned segments, review comments, glossary.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=False),
        sa.Column("source_language", sa.String(length=12), nullable=False),
        sa.Column("target_language", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("engine", sa.String(length=80), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("translator", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("final_version", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispatch_id"], ["dispatch.id"], name=op.f("fk_translation_dispatch_id_dispatch")
        ),
        sa.ForeignKeyConstraint(["text_id"], ["text.id"], name=op.f("fk_translation_text_id_text")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation")),
    )
    op.create_index(op.f("ix_translation_dispatch_id"), "translation", ["dispatch_id"], unique=False)
    op.create_table(
        "segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("translation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("paragraph", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("source_sentences", sa.Integer(), nullable=False),
        sa.Column("target_sentences", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["translation_id"], ["translation.id"], name=op.f("fk_segment_translation_id_translation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment")),
        sa.UniqueConstraint("translation_id", "position", "version", name=op.f("uq_segment_translation_id")),
    )
    op.create_index(op.f("ix_segment_translation_id"), "segment", ["translation_id"], unique=False)
    op.create_table(
        "translation_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("translation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["translation_id"],
            ["translation.id"],
            name=op.f("fk_translation_comment_translation_id_translation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_comment")),
    )
    op.create_index(
        op.f("ix_translation_comment_translation_id"), "translation_comment", ["translation_id"], unique=False
    )
    op.create_table(
        "glossary_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_language", sa.String(length=12), nullable=False),
        sa.Column("target_language", sa.String(length=12), nullable=False),
        sa.Column("source_term", sa.Text(), nullable=False),
        sa.Column("source_lemmas", sa.Text(), nullable=False),
        sa.Column("target_term", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_term")),
        sa.UniqueConstraint(
            "source_language", "target_language", "source_term", name=op.f("uq_glossary_term_source_language")
        ),
    )


def downgrade() -> None:
    op.drop_table("glossary_term")
    op.drop_index(op.f("ix_translation_comment_translation_id"), table_name="translation_comment")
    op.drop_table("translation_comment")
    op.drop_index(op.f("ix_segment_translation_id"), table_name="segment")
    op.drop_table("segment")
    op.drop_index(op.f("ix_translation_dispatch_id"), table_name="translation")
    op.drop_table("translation")
