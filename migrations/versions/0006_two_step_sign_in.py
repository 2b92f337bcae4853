"""two-step sign-in: TOTP secret and last step per staff account; a förbund may require it

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "require_totp_for_admins", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.alter_column("require_totp_for_admins", server_default=None)


def downgrade():
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.drop_column("require_totp_for_admins")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
