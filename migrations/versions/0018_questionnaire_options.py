"""scorer options per förbund and questionnaire, instead of columns of forbund

The EQ-5D value sets move from `forbund.eq5d_value_set_3l/5l` to the new table
`questionnaire_options` (the questionnaire as set up for a förbund; issue 13 point 2): each
förbund's sets are copied as the `value_set` option of the shipped EQ-5D files, then the
columns go. Downgrade copies them back (the default where none is stored).

Revision ID: 0018
Revises: 0017
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# The shipped EQ-5D files (questionnaires/eq5d-3l.yaml, eq5d-5l.yaml), their former column and
# its default.
EQ5D = (
    ("eq5d-3l", "eq5d_value_set_3l", "se_tto_3l"),
    ("eq5d-5l", "eq5d_value_set_5l", "se_5l_2022"),
)


def upgrade():
    options = op.create_table(
        "questionnaire_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forbund_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["forbund_id"], ["forbund.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forbund_id", "questionnaire_id", name="questionnaire_options_once"),
    )
    op.create_index(
        op.f("ix_questionnaire_options_forbund_id"),
        "questionnaire_options",
        ["forbund_id"],
        unique=False,
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, eq5d_value_set_3l, eq5d_value_set_5l FROM forbund")
    ).all()
    copied = [
        {"forbund_id": row[0], "questionnaire_id": questionnaire_id, "options": {"value_set": name}}
        for row in rows
        for (questionnaire_id, _column, _default), name in zip(EQ5D, row[1:], strict=True)
        if name
    ]
    if copied:
        op.bulk_insert(options, copied)
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        batch_op.drop_column("eq5d_value_set_5l")
        batch_op.drop_column("eq5d_value_set_3l")


def downgrade():
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        for _questionnaire_id, column, default in EQ5D:
            batch_op.add_column(
                sa.Column(column, sa.String(length=32), nullable=False, server_default=default)
            )
    connection = op.get_bind()
    for questionnaire_id, column, _default in EQ5D:
        stored = connection.execute(
            sa.text(
                "SELECT forbund_id, options FROM questionnaire_options "
                "WHERE questionnaire_id = :questionnaire_id"
            ),
            {"questionnaire_id": questionnaire_id},
        ).all()
        for forbund_id, value in stored:
            value = json.loads(value) if isinstance(value, str) else value
            name = (value or {}).get("value_set")
            if name:
                connection.execute(
                    sa.text(f"UPDATE forbund SET {column} = :name WHERE id = :id"),  # noqa: S608
                    {"name": name, "id": forbund_id},
                )
    with op.batch_alter_table("forbund", schema=None) as batch_op:
        for _questionnaire_id, column, _default in EQ5D:
            batch_op.alter_column(column, server_default=None)
    op.drop_index(op.f("ix_questionnaire_options_forbund_id"), table_name="questionnaire_options")
    op.drop_table("questionnaire_options")
