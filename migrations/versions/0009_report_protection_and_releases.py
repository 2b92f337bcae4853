"""report protection settings per förbund, and published yearly reports

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "protection_keeps", sa.String(length=16), nullable=False, server_default="totals"
            )
        )
        batch_op.add_column(
            sa.Column(
                "merge_other_genders", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.create_check_constraint(
            "protection_keeps_choice", "protection_keeps IN ('totals', 'genders')"
        )
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.alter_column("protection_keeps", server_default=None)
        batch_op.alter_column("merge_other_genders", server_default=None)
    op.create_table(
        "report_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forbund_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("workbook", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["forbund_id"], ["forbund.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forbund_id", "year", name="one_release_per_year"),
    )
    with op.batch_alter_table("report_release", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_release_forbund_id"), ["forbund_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("report_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_release_forbund_id"))
    op.drop_table("report_release")
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.drop_constraint("protection_keeps_choice", type_="check")
        batch_op.drop_column("merge_other_genders")
        batch_op.drop_column("protection_keeps")
