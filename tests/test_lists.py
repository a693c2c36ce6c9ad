"""Task lists (清单): references typed in chat, and the one resolver that turns them into items."""

from __future__ import annotations

from datetime import UTC, date, datetime

from db import lists, queries
from db.engine import Database
from db.lists import Reference, parse_reference

NOW = datetime(2021, 7, 20, 1, tzinfo=UTC)


def test_references_as_typed() -> None:
    assert parse_reference("12") == parse_reference("#12") == parse_reference(" ＃１２ ") == Reference(12)
    assert parse_reference("民生12") == parse_reference("民生#12") == parse_reference("民生 12") == Reference(12, "民生")
    assert parse_reference("重点2 12") == Reference(12, "重点2")
    assert parse_reference("2021年民生实事#3") == Reference(3, "2021年民生实事")
    for text in ("", "民生", "12a", "#", "1 2", "1234567890"):
        assert parse_reference(text) is None, text
    assert str(Reference(12, "民生")) == "民生12" and str(Reference(12)) == "12"


def test_a_number_means_the_chats_list_and_a_code_names_another(database: Database) -> None:
    with database.session() as session:
        key = lists.create_list(session, name="2021年重点工作", year=2021, code="重点", kind="重点工作", now=NOW)
        ids = {"重点": queries.add_item(
            session, title="老旧小区改造", deadline=date(2021, 12, 31), deadline_text=None, lead_unit_ids=[],
            responsible_unit_ids=[], start_date=date(2021, 1, 1), list_id=key.id, now=NOW).id}
        # One active list: it is everyone's, and new items go into it.
        assert lists.find_item(session, reference=Reference(1), chat_id=42).item.id == ids["重点"]
        assert not lists.several_active(session)
        people = lists.create_list(session, name="2021年民生实事", year=2021, code="民生", kind="民生实事", now=NOW)
        ids["民生"] = queries.add_item(session, title="新建幼儿园", deadline=None, deadline_text=None, lead_unit_ids=[],
                                     responsible_unit_ids=[], start_date=date(2021, 1, 1), list_id=people.id,
                                     now=NOW).id
        assert [i.number for i in queries.items_by_id(session, ids=ids.values()).values()] == [1, 1]
        assert lists.several_active(session)
        # Two active lists, none picked: a bare number found in both is ambiguous; a code settles it.
        found = lists.find_item(session, reference=Reference(1), chat_id=42)
        assert (found.item, found.problem, found.choices) == (None, "ambiguous", ("重点1", "民生1"))
        assert lists.find_item(session, reference=Reference(1, "民生"), chat_id=42).item.id == ids["民生"]
        assert lists.find_item(session, reference=Reference(1, "2021年民生实事"), chat_id=42).item.id == ids["民生"]
        assert lists.find_item(session, reference=Reference(2, "民生"), chat_id=42).item is None
        unknown = lists.find_item(session, reference=Reference(1, "民声"), chat_id=42)
        assert (unknown.problem, unknown.choices) == ("unknown_list", ("重点", "民生"))
        # The chat picks its list: a bare number then means that list's, in that chat only.
        lists.set_current_list(session, chat_id=42, list_id=people.id, now=NOW)
        assert lists.find_item(session, reference=Reference(1), chat_id=42).item.id == ids["民生"]
        assert lists.find_item(session, reference=Reference(1), chat_id=43).problem == "ambiguous"
        assert lists.next_item_number(session, list_id=people.id) == 2
