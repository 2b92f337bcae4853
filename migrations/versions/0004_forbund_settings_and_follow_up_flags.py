"""förbund settings (EQ-5D value sets, support contacts) and follow-up flags

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "eq5d_value_set_3l", sa.String(length=32), nullable=False, server_default="se_tto_3l"
            )
        )
        batch_op.add_column(
            sa.Column(
                "eq5d_value_set_5l", sa.String(length=32), nullable=False, server_default="se_5l_2022"
            )
        )
        batch_op.add_column(
            sa.Column("support_contacts", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.alter_column("eq5d_value_set_3l", server_default=None)
        batch_op.alter_column("eq5d_value_set_5l", server_default=None)
        batch_op.alter_column("support_contacts", server_default=None)
    op.create_table(
        "follow_up_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participation_id", sa.Integer(), nullable=False),
        sa.Column("occasion_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_on", sa.Date(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(handled_on IS NULL) = (handled_by_id IS NULL)",
            name=op.f("ck_follow_up_flag_handled_by_whom"),
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["staff_user.id"],
            name=op.f("fk_follow_up_flag_handled_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["occasion_id"], ["occasion.id"], name=op.f("fk_follow_up_flag_occasion_id_occasion")
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"], ["participation.id"],
            name=op.f("fk_follow_up_flag_participation_id_participation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_flag")),
        sa.UniqueConstraint(
            "occasion_id", "questionnaire_id",
            name=op.f("uq_follow_up_flag_occasion_id_questionnaire_id"),
        ),
    )
    with op.batch_alter_table("follow_up_flag", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_flag_participation_id"), ["participation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("follow_up_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_flag_participation_id"))
    op.drop_table("follow_up_flag")
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.drop_column("support_contacts")
        batch_op.drop_column("eq5d_value_set_5l")
        batch_op.drop_column("eq5d_value_set_3l")
