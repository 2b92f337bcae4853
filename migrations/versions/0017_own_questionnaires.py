"""a förbund's own questionnaire definition files

A förbund admin uploads a definition file (checked, previewed, then activated); an active file
replaces the shipped questionnaire with the same id for that förbund only (issue 13 point 3).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
# The lead re-chains at merge; on this branch it follows main's newest (0020 revises 0014).
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "own_questionnaire",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forbund_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'retired')", name="own_questionnaire_status"
        ),
        sa.ForeignKeyConstraint(["forbund_id"], ["forbund.id"]),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["staff_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forbund_id", "content_hash", name="own_questionnaire_once"),
        sa.UniqueConstraint(
            "forbund_id", "questionnaire_id", "version", name="own_questionnaire_version_once"
        ),
    )
    op.create_index(
        op.f("ix_own_questionnaire_forbund_id"), "own_questionnaire", ["forbund_id"], unique=False
    )
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "questionnaire_generation", sa.Integer(), nullable=False, server_default="0"
            )
        )


def downgrade():
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.drop_column("questionnaire_generation")
    op.drop_index(op.f("ix_own_questionnaire_forbund_id"), table_name="own_questionnaire")
    op.drop_table("own_questionnaire")
