"""task lists (清单): items numbered within a list, the chats' current lists, carried-over items

Every existing item goes into one list named from what the data says: the importer's table title
(setting `table.title`) when there is one, else the year most of the deadlines fall in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 17:30:00
"""

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = {"民生实事": "民生", "重点工作": "重点"}  # the kinds a title may name, and their codes


def first_list(title: str | None, deadline_years: Sequence[int], this_year: int) -> dict[str, object]:
    """The list today's items go into: (name, kind, year, code) from the table's title, else the deadlines."""
    title = (title or "").strip()
    year_in_title = re.search(r"(20\d\d)\s*年", title)
    year = int(year_in_title[1]) if year_in_title else (
        Counter(deadline_years).most_common(1)[0][0] if deadline_years else this_year)
    kind = next((k for k in KINDS if k in title), "重点工作")
    return {"name": f"{year}年{kind}", "kind": kind, "year": year, "code": KINDS[kind]}


def upgrade() -> None:
    op.create_table(
        "tasklist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("closed_at", db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tasklist", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasklist_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_tasklist_state"), ["state"], unique=False)
    op.create_table(
        "chatlist",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["tasklist.id"]),
        sa.PrimaryKeyConstraint("chat_id"),
    )

    connection = op.get_bind()
    items = sa.table("item", sa.column("id", sa.Integer), sa.column("deadline", sa.Date),
                     sa.column("list_id", sa.Integer))
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("list_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
    years = [d.year for (d,) in connection.execute(sa.select(items.c.deadline)) if d is not None]
    if connection.execute(sa.select(sa.func.count()).select_from(items)).scalar():
        title = connection.execute(sa.text("SELECT value FROM botsetting WHERE key = 'table.title'")).scalar()
        now = datetime.now(UTC)
        lists = sa.table("tasklist", sa.column("id", sa.Integer), sa.column("name", sa.String),
                         sa.column("kind", sa.String), sa.column("year", sa.Integer), sa.column("code", sa.String),
                         sa.column("state", sa.String), sa.column("created_at", db.types.UTCDateTime()))
        connection.execute(lists.insert().values(id=1, state="active", created_at=now,
                                                 **first_list(title, years, now.year)))
        connection.execute(items.update().values(list_id=1))
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.alter_column("list_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f("ix_item_number"))
        batch_op.create_index(batch_op.f("ix_item_number"), ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_list_id"), ["list_id"], unique=False)
        batch_op.create_unique_constraint("uq_item_list_id_number", ["list_id", "number"])
        batch_op.create_foreign_key("fk_item_list_id_tasklist", "tasklist", ["list_id"], ["id"])
        batch_op.create_foreign_key("fk_item_carried_from_id_item", "item", ["carried_from_id"], ["id"])
    if connection.dialect.name == "postgresql":  # the explicit id 1 above did not move the sequence
        connection.execute(sa.text("SELECT setval(pg_get_serial_sequence('tasklist', 'id'), "
                                   "(SELECT COALESCE(MAX(id), 0) + 1 FROM tasklist), false)"))


def downgrade() -> None:
    """Back to one numbering: refused when two lists share a number (the older bot could not tell them apart)."""
    connection = op.get_bind()
    shared = connection.execute(sa.text(
        "SELECT number FROM item GROUP BY number HAVING COUNT(*) > 1 LIMIT 1")).scalar()
    if shared is not None:
        raise RuntimeError(f"several lists have an item {shared}: the older version holds one list only")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_constraint("fk_item_carried_from_id_item", type_="foreignkey")
        batch_op.drop_constraint("fk_item_list_id_tasklist", type_="foreignkey")
        batch_op.drop_constraint("uq_item_list_id_number", type_="unique")
        batch_op.drop_index(batch_op.f("ix_item_list_id"))
        batch_op.drop_index(batch_op.f("ix_item_number"))
        batch_op.create_index(batch_op.f("ix_item_number"), ["number"], unique=True)
        batch_op.drop_column("carried_from_id")
        batch_op.drop_column("list_id")
    op.drop_table("chatlist")
    with op.batch_alter_table("tasklist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasklist_state"))
        batch_op.drop_index(batch_op.f("ix_tasklist_code"))
    op.drop_table("tasklist")
