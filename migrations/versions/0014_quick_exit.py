"""when a participant last left an occasion with "Lämna sidan snabbt"

After a quick exit, reopening the personal link (or the tablet) shows none of the answers given
before it (issue 15 point 4).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("occasion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quick_exit_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("occasion", schema=None) as batch_op:
        batch_op.drop_column("quick_exit_at")
