"""corrections of registration data, with the reason staff gave

Staff correct a participant's birth year, gender, remittent or start date (issue 16); each
correction is kept with its reason as the participation's history and erased with it.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "registration_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participation_id", sa.Integer(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"],
            ["staff_user.id"],
            name=op.f("fk_registration_correction_corrected_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["participation.id"],
            name=op.f("fk_registration_correction_participation_id_participation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_correction")),
    )
    with op.batch_alter_table("registration_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_correction_participation_id"),
            ["participation_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("registration_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_correction_participation_id"))
    op.drop_table("registration_correction")
