"""staff sessions on the server, forced password change, "glömt lösenord" links

One row per signed-in staff session replaces the per-user session token (a hand-over or a
sign-out now ends that session only); accounts can be made to choose a new password at the next
sign-in; password reset links are kept as hashes.

Revision ID: 0010
Revises: 0009
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        # Every open session ends at this upgrade: the sessions now live in staff_session.
        batch_op.drop_column("session_token")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("must_change_password", server_default=None)
    for table in ("staff_session", "password_reset"):
        columns = [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ]
        if table == "password_reset":
            columns += [
                sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
            ]
        op.create_table(
            table,
            *columns,
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["staff_user.id"],
                name=op.f(f"fk_{table}_user_id_staff_user"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("token_hash", name=op.f(f"uq_{table}_token_hash")),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_user_id"), ["user_id"], unique=False)


def downgrade():
    for table in ("password_reset", "staff_session"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_user_id"))
        op.drop_table(table)
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_token", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.drop_column("must_change_password")
    # As in 0003: every account gets a fresh random token.
    staff = sa.table("staff_user", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(staff.c.id)).all():
        connection.execute(
            staff.update()
            .where(staff.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("session_token", server_default=None)
