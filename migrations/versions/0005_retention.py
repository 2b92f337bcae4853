"""förbund retention: months after exit that participant-level data is kept

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retention_months", sa.Integer(), nullable=False, server_default="60")
        )
        batch_op.create_check_constraint(
            "retention_months_range", "retention_months BETWEEN 6 AND 240"
        )
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.alter_column("retention_months", server_default=None)


def downgrade():
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.drop_constraint("retention_months_range", type_="check")
        batch_op.drop_column("retention_months")
