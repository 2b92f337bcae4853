"""sending links by e-mail: when sent or why not, and the förbund's message template

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("send_error", sa.String(length=200), nullable=True))
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_template", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.alter_column("email_template", server_default=None)


def downgrade():
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.drop_column("email_template")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("send_error")
        batch_op.drop_column("sent_at")
