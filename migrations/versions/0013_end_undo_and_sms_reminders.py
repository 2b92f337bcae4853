"""ending a participation can be undone for a while; reminders by SMS too

Staff end a participation after a confirmation page, and may undo the end within
staff/services.py's END_UNDO_DAYS (issue 16): the participation keeps when it was ended in the
service (who did it is in the audit log). A link sent by SMS with reminders keeps the mobile
number while it is pending, as one sent by e-mail keeps the address.

Plain ADD and DROP COLUMN, no batch: on SQLite a batch operation rebuilds the table, and
dropping `participation` while occasions refer to it fails with foreign keys on (SQLite 3.35
and later drop a column in place).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("participation", sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invitation", sa.Column("phone", sa.String(length=16), nullable=True))


def downgrade():
    op.drop_column("invitation", "phone")
    op.drop_column("participation", "ended_at")
