"""ending a participation can be undone for a while; reminders by SMS too

Staff end a participation after a confirmation page, and may undo the end within
staff/services.py's END_UNDO_DAYS (issue 16); the participation keeps when and by whom it was
ended in the service. A link sent by SMS with reminders keeps the mobile number while it is
pending, as one sent by e-mail keeps the address.

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
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_participation_ended_by_id_staff_user"),
            "staff_user",
            ["ended_by_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            "ended_has_exit_date", "ended_at IS NULL OR exit_date IS NOT NULL"
        )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("phone")
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.drop_constraint("ended_has_exit_date", type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_participation_ended_by_id_staff_user"), type_="foreignkey"
        )
        batch_op.drop_column("ended_by_id")
        batch_op.drop_column("ended_at")
