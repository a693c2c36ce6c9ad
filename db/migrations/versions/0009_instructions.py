"""leaders' instructions (领导批示), and each unit's acknowledgement and answer

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-07 17:26:19
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("instruction",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("item_id", sa.Integer(), nullable=False),
    sa.Column("leader", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column("given_on", sa.Date(), nullable=False),
    sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column("act_by", sa.Date(), nullable=True),
    sa.Column("act_by_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column("recorded_by", sa.BigInteger(), nullable=False),
    sa.Column("recorded_at", db.types.UTCDateTime(), nullable=False),
    sa.Column("draft_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(["item_id"], ["item.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instruction_draft_id"), ["draft_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_instruction_item_id"), ["item_id"], unique=False)

    op.create_table("instructionack",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("instruction_id", sa.Integer(), nullable=False),
    sa.Column("unit_id", sa.Integer(), nullable=False),
    sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column("acked_by", sa.BigInteger(), nullable=True),
    sa.Column("acked_at", db.types.UTCDateTime(), nullable=True),
    sa.Column("report_id", sa.Integer(), nullable=True),
    sa.Column("answered_at", db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(["instruction_id"], ["instruction.id"], ),
    sa.ForeignKeyConstraint(["report_id"], ["progressreport.id"], ),
    sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("instruction_id", "unit_id", name="uq_instructionack_instruction_id_unit_id")
    )
    with op.batch_alter_table("instructionack", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instructionack_instruction_id"), ["instruction_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instructionack_unit_id"), ["unit_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("instructionack", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instructionack_unit_id"))
        batch_op.drop_index(batch_op.f("ix_instructionack_instruction_id"))

    op.drop_table("instructionack")
    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instruction_item_id"))
        batch_op.drop_index(batch_op.f("ix_instruction_draft_id"))

    op.drop_table("instruction")
