"""trust (keyed audit chain: a seal per audit entry, append-only) — issue 8.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# fsck checks that these guards exist (store/fsck.py GUARD_TRIGGERS).
SQLITE_TRIGGERS = ("audit_seal_no_update", "audit_seal_no_delete")
POSTGRES_TRIGGER = "audit_seal_append_only"


def upgrade() -> None:
    op.create_table(
        "audit_seal",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["seq"], ["audit.seq"], name=op.f("fk_audit_seal_seq_audit")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_seal")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_seal_no_{verb.lower()} BEFORE {verb} ON audit_seal "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
    else:  # audit_append_only() comes from 0001
        op.execute(
            f"CREATE TRIGGER {POSTGRES_TRIGGER} BEFORE UPDATE OR DELETE ON audit_seal "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_no_truncate ON audit")
    op.drop_table("audit_seal")
