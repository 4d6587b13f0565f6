"""narratives (media streams, narrative hits) — issue 13.

Revision ID: 0011
Revises: 0010

Reserved in the chain so that work on several issues can land in any order; an empty upgrade until its tables land.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
