"""the language a participant's pages open in, chosen by staff at registration

Issue 15: staff choose the participant's language; the personal link and the tablet start the
participant's pages in it (the participant can still switch on every page).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
# The brief said "0014"; main has since gained 0020 on 0014, so this follows it to keep one head.
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.drop_column("language")
