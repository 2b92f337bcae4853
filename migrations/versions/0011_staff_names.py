"""a name for each staff account

An admin edits a staff member's name, role and insatser (issue 16); until now an account had only
its e-mail address. Existing accounts get an empty name.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name", sa.String(length=200), nullable=False, server_default="")
        )
    # The default was only for the rows already there, as in the models.
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("name", server_default=None)


def downgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("name")
