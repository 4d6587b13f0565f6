"""pipeline (stage_run provenance, series results in the store) — issue 10.

Revision ID: 0008
Revises: 0007

Reserved in the chain so that work on several issues can land in any order; an empty upgrade until its tables land.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
