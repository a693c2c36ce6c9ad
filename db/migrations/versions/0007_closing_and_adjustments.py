"""办结 on review (the item's closing state, each request and decision), adjustments and cancellations

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-07 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Before review, a unit's 已完成 counted as done when sent: those items stay done (closed).
CLOSE_DONE = """
UPDATE item SET closing_state = 'closed' WHERE id IN (
    SELECT p.item_id FROM progressreport p WHERE p.status = 'ahead' AND p.returned_at IS NULL AND p.id = (
        SELECT max(q.id) FROM progressreport q WHERE q.item_id = p.item_id AND q.returned_at IS NULL))
"""


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closing_state", sqlmodel.sql.sqltypes.AutoString(), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("closing_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f("ix_item_closing_state"), ["closing_state"], unique=False)
    op.execute(CLOSE_DONE)

    op.create_table(
        "closingreview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("draft_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["report_id"], ["progressreport.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("closingreview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closingreview_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_closingreview_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_closingreview_draft_id"), ["draft_id"], unique=True)

    op.create_table(
        "adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("draft_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("adjustment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adjustment_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_adjustment_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_adjustment_draft_id"), ["draft_id"], unique=True)


def downgrade() -> None:
    op.drop_table("adjustment")
    op.drop_table("closingreview")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_closing_state"))
        batch_op.drop_column("closing_note")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_on")
        batch_op.drop_column("closing_state")
