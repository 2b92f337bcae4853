"""answer: drop the index on response_id, which the unique (response_id, item_id) already serves

Every stored answer paid for two B-trees on the same leading column. Lookups by response (a
bundle's answers, the foreign key's cascade from `response`) use the unique index's leading
column on both PostgreSQL and SQLite (issue 17: a page save and the import insert answers).

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_response_id"))


def downgrade():
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_response_id"), ["response_id"], unique=False)
