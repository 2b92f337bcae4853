"""response progress and questionnaire snapshots

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "questionnaire_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_snapshot")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_questionnaire_snapshot_content_hash")),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pages_saved", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.alter_column("pages_saved", server_default=None)


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("pages_saved")
    op.drop_table("questionnaire_snapshot")
