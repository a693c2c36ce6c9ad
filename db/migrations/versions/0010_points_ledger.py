"""the points ledger (考核台账): one entry per unit and event

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-07 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pointentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "kind", "ref", name="uq_pointentry_unit_id_kind_ref"),
    )
    with op.batch_alter_table("pointentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pointentry_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index("ix_pointentry_year_month", ["year", "month"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pointentry", schema=None) as batch_op:
        batch_op.drop_index("ix_pointentry_year_month")
        batch_op.drop_index(batch_op.f("ix_pointentry_unit_id"))
    op.drop_table("pointentry")
