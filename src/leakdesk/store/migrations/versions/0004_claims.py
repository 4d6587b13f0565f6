"""claims tables: entities, aliases, mentions, claims, corroborations, and the claims stage log.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("gazetteer_id", sa.String(length=80), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity")),
    )
    op.create_index(op.f("ix_entity_key"), "entity", ["key"], unique=False)
    op.create_table(
        "alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_alias_entity_id_entity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alias")),
    )
    op.create_index(op.f("ix_alias_entity_id"), "alias", ["entity_id"], unique=False)
    op.create_index(op.f("ix_alias_key"), "alias", ["key"], unique=False)
    op.create_table(
        "mention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=True),
        sa.Column("translation_id", sa.Integer(), nullable=True),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("surface", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_mention_entity_id_entity")),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_mention_dispatch_id_dispatch")),
        sa.ForeignKeyConstraint(["text_id"], ["text.id"], name=op.f("fk_mention_text_id_text")),
        sa.ForeignKeyConstraint(
            ["translation_id"], ["translation.id"], name=op.f("fk_mention_translation_id_translation")
        ),
        sa.ForeignKeyConstraint(["segment_id"], ["segment.id"], name=op.f("fk_mention_segment_id_segment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mention")),
    )
    op.create_index(op.f("ix_mention_dispatch_id"), "mention", ["dispatch_id"], unique=False)
    op.create_index(op.f("ix_mention_entity_id"), "mention", ["entity_id"], unique=False)
    op.create_index(op.f("ix_mention_text_id"), "mention", ["text_id"], unique=False)
    op.create_index(op.f("ix_mention_translation_id"), "mention", ["translation_id"], unique=False)
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("checkworthiness", sa.Float(), nullable=True),
        sa.Column("scored_on", sa.String(length=40), nullable=True),
        sa.Column("actors", sa.JSON(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("time_text", sa.Text(), nullable=True),
        sa.Column("time_value", sa.String(length=60), nullable=True),
        sa.Column("time_start", sa.Date(), nullable=True),
        sa.Column("time_end", sa.Date(), nullable=True),
        sa.Column("anchor", sa.Date(), nullable=True),
        sa.Column("anchor_source", sa.String(length=20), nullable=False),
        sa.Column("modality", sa.String(length=20), nullable=False),
        sa.Column("polarity", sa.String(length=10), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_claim_dispatch_id_dispatch")),
        sa.ForeignKeyConstraint(["text_id"], ["text.id"], name=op.f("fk_claim_text_id_text")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
    )
    op.create_index(op.f("ix_claim_dispatch_id"), "claim", ["dispatch_id"], unique=False)
    op.create_index(op.f("ix_claim_text_id"), "claim", ["text_id"], unique=False)
    op.create_table(
        "corroboration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("evidence_dispatch_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], name=op.f("fk_corroboration_claim_id_claim")),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"], name=op.f("fk_corroboration_dispatch_id_dispatch")),
        sa.ForeignKeyConstraint(
            ["evidence_dispatch_id"], ["dispatch.id"], name=op.f("fk_corroboration_evidence_dispatch_id_dispatch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corroboration")),
    )
    op.create_index(op.f("ix_corroboration_claim_id"), "corroboration", ["claim_id"], unique=False)
    op.create_index(op.f("ix_corroboration_dispatch_id"), "corroboration", ["dispatch_id"], unique=False)
    op.create_table(
        "claims_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=True),
        sa.Column("translation_id", sa.Integer(), nullable=True),
        sa.Column("translation_version", sa.Integer(), nullable=True),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["text_id"], ["text.id"], name=op.f("fk_claims_run_text_id_text")),
        sa.ForeignKeyConstraint(
            ["translation_id"], ["translation.id"], name=op.f("fk_claims_run_translation_id_translation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims_run")),
    )
    op.create_index(op.f("ix_claims_run_text_id"), "claims_run", ["text_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_claims_run_text_id"), table_name="claims_run")
    op.drop_table("claims_run")
    op.drop_index(op.f("ix_corroboration_claim_id"), table_name="corroboration")
    op.drop_index(op.f("ix_corroboration_dispatch_id"), table_name="corroboration")
    op.drop_table("corroboration")
    op.drop_index(op.f("ix_claim_dispatch_id"), table_name="claim")
    op.drop_index(op.f("ix_claim_text_id"), table_name="claim")
    op.drop_table("claim")
    op.drop_index(op.f("ix_mention_dispatch_id"), table_name="mention")
    op.drop_index(op.f("ix_mention_entity_id"), table_name="mention")
    op.drop_index(op.f("ix_mention_text_id"), table_name="mention")
    op.drop_index(op.f("ix_mention_translation_id"), table_name="mention")
    op.drop_table("mention")
    op.drop_index(op.f("ix_alias_entity_id"), table_name="alias")
    op.drop_index(op.f("ix_alias_key"), table_name="alias")
    op.drop_table("alias")
    op.drop_index(op.f("ix_entity_key"), table_name="entity")
    op.drop_table("entity")
