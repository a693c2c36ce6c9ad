"""The dashboard (Mini App) over plain HTTP against the running bot: signed identity, the chat's rights,
and the two actions through the chat's own functions."""

from __future__ import annotations

import html
import re
import time
from datetime import date, datetime

import aiohttp
import pytest
from sqlmodel import select

from bot.webapp import local_address
from bot.webapp.auth import HEADER, InitDataError, sign_init_data, verify_init_data
from db import extensions, items, lists, reports
from db.models import Item, Outbox
from tests.conftest import ADMIN_ID, SHANGHAI, SUPERVISOR_ID, World
from tests.office import office, snapshot

HOUSING, TRANSPORT, STRANGER = 2001, 2002, 3003
WEBAPP_URL = "https://dash.example.test/webapp/"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webapp_url": WEBAPP_URL, "webapp_port": 0}


def setup(world: World):  # type: ignore[no-untyped-def]
    """Two units with an item each; housing's is red (10 % done at 55 % of the time), transport's green."""
    made = office(world.db, world.clock.now(), units={"区住建局": [(HOUSING, "李四", False)],
                                                      "区交通运输局": [(TRANSPORT, "王五", False)]},
                  items=[("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)),
                         ("更新农村客运班车5辆", "区交通运输局", date(2021, 12, 31))])
    now = world.clock.now()
    for person in (HOUSING, TRANSPORT):  # the contacts have talked to the bot, so it may write to them
        world.user(person, "联络员").send("/lang zh")
    with world.db.session() as session:
        for number, unit, person, percent in ((1, "区住建局", HOUSING, 10), (2, "区交通运输局", TRANSPORT, 60)):
            reports.add_report(session, item_id=made.items[number], unit_id=made.units[unit], reporter_id=person,
                               period="2021-07", now=now, text=f"完成{percent}%", percent=percent, status="good",
                               problems=None)
    return made


def headers(world: World, user_id: int, **kw: object) -> dict[str, str]:
    return {HEADER: sign_init_data(token=world.sim.token, user_id=user_id, first_name="测试", **kw)}  # type: ignore[arg-type]


async def get(world: World, path: str, hdrs: dict[str, str] | None) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(local_address(world.app) + path, headers=hdrs or {}) as r:
        return r.status, await r.text()


async def post(world: World, path: str, user_id: int, data: dict[str, str], *, origin: bool = True) -> tuple[int, str]:
    base = local_address(world.app)
    hdrs = headers(world, user_id)
    if origin:
        hdrs["Origin"] = base.split("/webapp/")[0]
    async with aiohttp.ClientSession() as http, http.post(base + path, data=data, headers=hdrs) as r:
        return r.status, await r.text()


def token_in(page: str, name: str) -> str:
    import re

    return re.search(rf'name="{name}" value="(\d+)"><input type="hidden" name="token" value="([^"]+)"', page).groups()


def test_init_data_is_checked_as_telegram_documents_it() -> None:
    token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    good = sign_init_data(token=token, user_id=7, first_name="A")
    assert verify_init_data(good, token=token, now=time.time(), max_age=3600).id == 7
    for forged in (good.replace("%22id%22%3A7", "%22id%22%3A8"), good + "&extra=1", good.replace("hash=", "hash=0"),
                   sign_init_data(token="999:other-token-xxxxxxx", user_id=7, first_name="A"), "hash=abc", "x" * 5000):
        with pytest.raises(InitDataError, match="forged"):
            verify_init_data(forged, token=token, now=time.time(), max_age=3600)
    old = sign_init_data(token=token, user_id=7, first_name="A", auth_date=int(time.time()) - 7200)
    with pytest.raises(InitDataError, match="expired"):
        verify_init_data(old, token=token, now=time.time(), max_age=3600)
    with pytest.raises(InitDataError, match="missing"):
        verify_init_data("", token=token, now=time.time(), max_age=3600)


async def test_no_forged_or_expired_identity_gets_data(world: World) -> None:
    setup(world)
    expired = headers(world, SUPERVISOR_ID, auth_date=int(time.time()) - 3601)
    forged = {HEADER: headers(world, SUPERVISOR_ID)[HEADER].replace("%22id%22%3A1002", "%22id%22%3A1001")}
    for hdrs, words in ((None, "请从 Telegram"), (expired, "已过期"), (forged, "校验未通过")):
        for path in ("api/items", "api/item?n=1", "api/home", "api/chart.png", "api/export.xlsx", "api/item?id=1",
                     "api/items?list=%E9%87%8D%E7%82%B9&milestones=1", "api/export?list=%E9%87%8D%E7%82%B9",
                     "api/export.xlsx?period=2021-07&list=%E9%87%8D%E7%82%B9",
                     "api/link?for=export&period=2021-07&list=%E9%87%8D%E7%82%B9"):
            status, text = await get(world, path, hdrs)
            assert status == 401 and words in text and "公厕" not in text
    status, text = await get(world, "api/items", headers(world, STRANGER))
    assert status == 403 and "仅限" in text and "公厕" not in text
    async with aiohttp.ClientSession() as http:  # the actions too, the adjustment's among them
        for hdrs in (expired, forged, {}):
            origin = {"Origin": local_address(world.app).split("/webapp/")[0]}
            async with http.post(local_address(world.app) + "api/adjust", data={"adjustment": "1", "token": "x"},
                                 headers={**hdrs, **origin}) as r:
                assert r.status == 401
    status, shell = await get(world, "", None)  # the shell itself carries no data
    assert status == 200 and "公厕" not in shell and "app.js" in shell


async def test_a_contact_sees_only_their_units_items(world: World) -> None:
    made = setup(world)
    mine = headers(world, HOUSING)
    status, text = await get(world, "api/items", mine)
    assert status == 200 and "完成城区5座公厕提升改造" in text and "客运班车" not in text
    status, text = await get(world, "api/item?n=1", mine)
    assert status == 200 and "完成10%" in text and "退回" not in text  # no send-back for a contact
    status, text = await get(world, "api/item?n=2", mine)
    assert status == 403 and "不属于您的单位" in text and "完成60%" not in text
    status, text = await get(world, f"api/unit?id={made.units['区交通运输局']}", mine)
    assert status == 403
    status, text = await get(world, f"api/items?unit={made.units['区交通运输局']}", mine)
    assert status == 403 and "客运" not in text
    status, _ = await get(world, "api/chart", mine)
    assert status == 403
    with world.db.session() as session:
        theirs = reports.latest_reports(session, item_ids=[made.items[2]])[made.items[2]]
        theirs.evidence = [{"type": "photo", "file_id": "AgACAgUAAxkBAA-not-shown"}]
        session.add(theirs)
    status, text = await get(world, f"api/file?r={theirs.id}&i=0", mine)
    assert status == 403 and "不属于您的单位" in text
    status, _ = await get(world, f"api/file?r={theirs.id}&i=5", headers(world, SUPERVISOR_ID))
    assert status == 404


async def test_a_supervisor_filters_and_sorts_the_table(world: World) -> None:
    made = setup(world)
    sup = headers(world, SUPERVISOR_ID)
    status, text = await get(world, f"api/items?colour=red&unit={made.units['区住建局']}", sup)
    assert status == 200 and "公厕" in text and "客运" not in text and "找到 1 项" in text
    status, text = await get(world, "api/items?colour=green", sup)
    assert "客运" in text and "公厕" not in text
    status, text = await get(world, "api/items?q=客运", sup)
    assert "客运" in text and "公厕" not in text
    status, text = await get(world, "api/items?sort=percent&dir=desc", sup)
    assert text.index("客运") < text.index("公厕")
    status, text = await get(world, f"api/unit?id={made.units['区住建局']}", sup)
    assert status == 200 and "区住建局" in text and "月度排名" in text
    status, text = await get(world, "api/items", headers(world, SUPERVISOR_ID, language_code="en"))
    assert "Key tasks of the year" in text


async def test_a_supervisor_sends_a_report_back_once(world: World) -> None:
    setup(world)
    status, card = await get(world, "api/item?n=1", headers(world, SUPERVISOR_ID))
    report_id, token = token_in(card, "report")
    before = snapshot(world)
    form = {"report": report_id, "token": token, "reason": "请写明已完工的公厕"}
    assert (await post(world, "api/sendback", SUPERVISOR_ID, form, origin=False))[0] == 403  # no Origin: refused
    assert (await post(world, "api/sendback", HOUSING, form))[0] == 403  # a contact may not
    assert (await post(world, "api/sendback", ADMIN_ID, form))[0] == 409  # the token is the supervisor's
    assert snapshot(world) == before
    status, text = await post(world, "api/sendback", SUPERVISOR_ID, form)
    assert status == 200 and "已退回 #1" in text
    notice = await world.user(HOUSING, "李四").expect("【退回重报】")
    assert "已完工的公厕" in notice.text and notice.buttons == [["上报 #1"]]
    with world.db.session() as session:
        assert reports.report(session, report_id=int(report_id)).returned_by == SUPERVISOR_ID
    after = snapshot(world)
    status, text = await post(world, "api/sendback", SUPERVISOR_ID, form)  # replayed
    assert status == 409 and snapshot(world) == after


async def test_an_admin_approves_an_extension(world: World) -> None:
    made = setup(world)
    now = world.clock.now()
    with world.db.session() as session:
        item = session.get(Item, made.items[1])
        extensions.request_extension(session, item=item, unit_id=made.units["区住建局"], by=HOUSING,
                                      deadline=date(2022, 3, 31), text="2022年3月底", reason="雨季停工", now=now)
    status, card = await get(world, "api/item?n=1", headers(world, SUPERVISOR_ID))
    assert "雨季停工" in card and 'data-action="decide"' not in card  # supervisors see, admins decide
    status, card = await get(world, "api/item?n=1", headers(world, ADMIN_ID))
    request_id, token = token_in(card, "request")
    status, text = await post(world, "api/decide", ADMIN_ID, {"request": request_id, "token": token,
                                                               "verdict": "approve", "comment": "同意"})
    assert status == 200 and "已同意 #1 延期" in text
    notice = await world.user(HOUSING, "李四").expect("延期已批准")
    assert "同意" in notice.text
    with world.db.session() as session:
        assert session.get(Item, made.items[1]).deadline == date(2022, 3, 31)
        assert len(session.exec(select(Outbox).where(Outbox.dedupe_key.startswith("extension-decided"))).all()) == 1


async def test_an_overseer_downloads_the_export_of_a_month(world: World) -> None:
    setup(world)
    async with aiohttp.ClientSession() as http:
        url = local_address(world.app) + "api/export.xlsx?period=2021-07"
        async with http.get(url, headers=headers(world, ADMIN_ID)) as r:
            assert r.status == 200 and r.content_type.endswith("spreadsheetml.sheet")
            assert (await r.read())[:2] == b"PK"
        async with http.get(url, headers=headers(world, HOUSING)) as r:
            assert r.status == 403
        async with http.get(url.replace("2021-07", "nonsense"), headers=headers(world, ADMIN_ID)) as r:
            assert r.status == 400 and "月份" in await r.text()


async def test_the_menu_button_and_the_chats_buttons_open_the_dashboard(world: World) -> None:
    made = setup(world)
    menu = world.sim.menu_buttons[None]
    assert menu["type"] == "web_app" and menu["web_app"]["url"] == WEBAPP_URL and menu["text"] == "看板"
    world.supervisor.send("/status")
    status = await world.supervisor.expect("推进")
    (button,) = [b for b in status.inline_buttons() if "web_app" in b]
    assert button["web_app"]["url"] == WEBAPP_URL + "?v=home"
    world.supervisor.send("/item 1")
    card = await world.supervisor.expect("#1")
    # The card's button carries the item's database id, which no other list's item shares.
    assert [b["web_app"]["url"] for b in card.inline_buttons() if "web_app" in b] == [
        WEBAPP_URL + f"?v=item&id={made.items[1]}"]
    world.admin.send("/setgroup", chat=world.group)
    await world.group.expect("通报群")
    world.supervisor.send("/status", chat=world.group)
    in_group = await world.group.expect("推进")
    # Telegram allows web_app buttons in private chats only: a group gets the main Mini App's direct link.
    assert not any("web_app" in b for b in in_group.inline_buttons())
    assert [b.get("url") for b in in_group.inline_buttons()] == ["https://t.me/progress_test_bot?startapp=home"]
    world.supervisor.send("/item 2", chat=world.group)
    card = await world.group.expect("#2")
    assert [b.get("url") for b in card.inline_buttons() if "startapp" in (b.get("url") or "")] == [
        f"https://t.me/progress_test_bot?startapp=item-{made.items[2]}"]
    world.admin.send("/digest")
    assert (await world.group.expect()).photo
    digest = await world.group.expect("进展情况通报")
    while not digest.inline_buttons():  # the button is under the last part
        digest = await world.group.expect()
    assert digest.inline_buttons() == [{"text": "📋 在看板中查看", "url": "https://t.me/progress_test_bot?startapp=home"}]


def test_a_link_button_is_kept_checked_and_small() -> None:
    from bot.keyboards import dashboard_link, markup_of
    from bot.settings import Settings
    from db.outbox import URL, checked_button

    base = {"_env_file": None, "bot_token": "123456:ABCDEFGHIJKLMN"}
    assert dashboard_link(Settings(**base), "progress_bot") is None  # no WEBAPP_URL: no button
    named = Settings(**base, webapp_url=WEBAPP_URL, webapp_short_name="board")
    assert dashboard_link(named, "progress_bot", "item-12") == "https://t.me/progress_bot/board?startapp=item-12"
    assert dashboard_link(named, "") is None  # before the bot knows its name
    kept = [checked_button(("看板", "https://t.me/progress_bot?startapp=home", URL)), checked_button(("收到", "ack:7"))]
    (link, ack), = markup_of([kept]).inline_keyboard
    assert (link.url, link.callback_data, ack.url, ack.callback_data) == (kept[0][1], None, None, "ack:7")
    for wrong in (("看板", "http://t.me/x", URL), ("看板", "https://t.me/" + "x" * 600, URL), ("", "ack:7"),
                  ("看板", "javascript:alert(1)", URL), ("收到", "x" * 65), ("看板", "https://t.me/x", "web")):
        with pytest.raises(ValueError):
            checked_button(wrong)


async def test_the_demo_address_opens_the_dashboard_with_a_signed_identity(world: World) -> None:
    from urllib.parse import unquote

    from bot.webapp import serve_demo

    setup(world)
    runner, url = await serve_demo(world.app, user_id=SUPERVISOR_ID, view="items")
    try:
        base, _, fragment = url.partition("#")
        init_data = unquote(fragment.split("tgWebAppData=")[1].split("&")[0])
        async with aiohttp.ClientSession() as http:
            async with http.get(base) as shell:
                assert shell.status == 200 and "app.js" in await shell.text()
            async with http.get(base.split("?")[0] + "api/items", headers={HEADER: init_data}) as r:
                assert r.status == 200 and "公厕" in await r.text()
    finally:
        await runner.cleanup()


async def test_a_table_being_rebuilt_is_served_as_it_was_marked_stale(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from bot.webapp import table

    sup = headers(world, SUPERVISOR_ID)
    assert "找到 0 项" in (await get(world, "api/items", sup))[1]
    monkeypatch.setattr(table, "FRESH_WAIT", 0)  # as a 10,000-item list whose rebuild outlasts the wait
    setup(world)
    status, text = await get(world, "api/items", sup)
    assert status == 200 and "正在更新" in text and 'data-refresh="' in text and "找到 0 项" in text
    for _ in range(50):
        status, text = await get(world, "api/items", sup)
        if "正在更新" not in text:
            break
        await asyncio.sleep(0.05)
    assert "找到 2 项" in text and "公厕" in text


async def test_a_one_time_download_link_for_telegrams_own_download(world: World) -> None:
    setup(world)
    status, path = await get(world, "api/link?for=export&period=2021-07", headers(world, ADMIN_ID))
    assert status == 200 and path.startswith("api/download?t=")
    async with aiohttp.ClientSession() as http:
        async with http.get(local_address(world.app) + path) as r:  # no header: the link is the key
            assert r.status == 200 and (await r.read())[:2] == b"PK"
            assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
        async with http.get(local_address(world.app) + path) as r:  # once only
            assert r.status == 403 and "已失效" in await r.text()
        async with http.get(local_address(world.app) + path.replace("export", "file")) as r:  # forged
            assert r.status == 403
    status, text = await get(world, "api/link?for=export&period=2021-07", headers(world, HOUSING))
    assert status == 403 and "api/download" not in text  # the export is for overseers only


def second_list(world: World, made, year: int = 2021):  # type: ignore[no-untyped-def]
    """A second list, 民生 (its year `year`), whose item 1 is housing's 新建幼儿园3所."""
    with world.db.session() as session:
        livelihood = lists.create_list(session, name=f"{year}年民生实事", year=year, code="民生", now=world.clock.now())
        item = items.add_item(session, title="新建幼儿园3所", deadline=date(2021, 12, 31), deadline_text="2021.12",
                                lead_unit_ids=[made.units["区住建局"]], responsible_unit_ids=[made.units["区住建局"]],
                                start_date=date(2021, 1, 1), list_id=livelihood.id, now=world.clock.now())
        return item.id


async def test_with_two_lists_the_table_links_each_row_to_its_own_item_by_id(world: World) -> None:
    made = setup(world)
    kindergarten = second_list(world, made)
    sup = headers(world, SUPERVISOR_ID)
    status, text = await get(world, "api/items?q=幼儿园", sup)
    link = re.search(r'href="\?([^"]*)">新建幼儿园3所', text)
    assert status == 200 and link is not None and html.unescape(link.group(1)) == f"v=item&id={kindergarten}"
    status, card = await get(world, f"api/item?id={kindergarten}", sup)
    assert status == 200 and "新建幼儿园3所" in card and "#民生1" in card and "2021年民生实事（民生）" in card
    assert "公厕" not in card
    status, card = await get(world, "api/item?n=%E6%B0%91%E7%94%9F1", sup)  # n=民生1, as typed, still opens it
    assert status == 200 and "新建幼儿园3所" in card
    for wrong in ("id=999999", "id=abc", "id=" + "9" * 20, "n=民生9"):
        assert (await get(world, f"api/item?{wrong}", sup))[0] == 404


async def test_the_lists_and_their_years_with_their_items(world: World) -> None:
    made = setup(world)
    second_list(world, made, year=2022)
    status, text = await get(world, "api/home", headers(world, SUPERVISOR_ID))
    assert status == 200 and "清单" in text and "2022年度" in text and "2021年度" in text
    assert re.search(r'data-list="民生">.*?2022年民生实事.*?1 项', text)
    assert text.index("2022年度") < text.index("2021年度")  # the newest year first
    status, text = await get(world, "api/items?list=%E6%B0%91%E7%94%9F", headers(world, SUPERVISOR_ID))  # list=民生
    assert "找到 1 项" in text and "幼儿园" in text and "公厕" not in text and "<h1>2022年民生实事</h1>" in text
    assert 'name="list"' in text and '<option value="民生" selected>' in text  # the list picker, switched
    status, text = await get(world, "api/items?year=2021", headers(world, SUPERVISOR_ID))
    assert "找到 2 项" in text and "幼儿园" not in text  # the year is the list's (考核年度), not the deadline's
    status, text = await get(world, "api/items?list=nonsense", headers(world, SUPERVISOR_ID))
    assert "找到 0 项" in text
    _, text = await get(world, "api/home", headers(world, SUPERVISOR_ID, language_code="en"))
    assert "Task lists" in text and "Year 2022" in text and "1 item<" in text and "2 items<" in text
    status, text = await get(world, "api/home", headers(world, TRANSPORT))  # a contact: the lists of their items
    assert status == 200 and "民生实事" not in text and "1 项" in text and 'class="chip" href="?v=export' not in text


# ---- review: 办结 on review from the dashboard, through the chat's own function


async def test_an_overseer_confirms_or_sends_back_a_closing_from_the_card(world: World) -> None:
    from db import closing

    made = setup(world)
    now = world.clock.now()
    with world.db.session() as session:
        for number, unit, person in ((1, "区住建局", HOUSING), (2, "区交通运输局", TRANSPORT)):
            done = reports.add_report(session, item_id=made.items[number], unit_id=made.units[unit], reporter_id=person,
                                      period="2021-07", now=now, text="已全部完工", percent=100, status="ahead",
                                      problems=None)
            closing.request_closing(session, item=session.get(Item, made.items[number]), report=done, now=now)
    status, card = await get(world, "api/item?n=1", headers(world, HOUSING))
    assert "申请办结，待审核" in card and 'data-action="closing"' not in card  # the unit sees, overseers decide
    _, card = await get(world, "api/item?n=1", headers(world, SUPERVISOR_ID))
    review_id, token = token_in(card, "review")
    before = snapshot(world)
    form = {"review": review_id, "token": token, "verdict": "confirm"}
    assert (await post(world, "api/closing", HOUSING, form))[0] == 403  # a contact may not
    assert (await post(world, "api/closing", SUPERVISOR_ID, form | {"verdict": "later"}))[0] == 400
    assert snapshot(world) == before
    _, card = await get(world, "api/item?n=1", headers(world, SUPERVISOR_ID))  # that press used its token up
    review_id, token = token_in(card, "review")
    form = {"review": review_id, "token": token, "verdict": "confirm"}
    status, text = await post(world, "api/closing", SUPERVISOR_ID, form)
    assert status == 200 and "已确认 #1 办结" in text
    await world.user(HOUSING, "李四").expect("已确认办结")
    assert (await post(world, "api/closing", SUPERVISOR_ID, form))[0] == 409  # replayed

    _, card = await get(world, "api/item?n=2", headers(world, ADMIN_ID))
    review_id, token = token_in(card, "review")
    form = {"review": review_id, "token": token, "verdict": "refuse", "reason": ""}
    status, text = await post(world, "api/closing", ADMIN_ID, form)
    assert status == 409 and "须说明理由" in text  # no reason: nothing changes
    _, card = await get(world, "api/item?n=2", headers(world, ADMIN_ID))
    review_id, token = token_in(card, "review")
    status, text = await post(world, "api/closing", ADMIN_ID, {"review": review_id, "token": token,
                                                               "verdict": "refuse", "reason": "站点未验收"})
    assert status == 200 and "已退回 #2 的办结申请" in text
    assert "站点未验收" in (await world.user(TRANSPORT, "王五").expect("【办结退回】")).text
    with world.db.session() as session:
        states = {n: session.get(Item, made.items[n]).closing_state for n in (1, 2)}
    assert states == {1: "closed", 2: ""}


async def test_a_units_page_shows_its_ledger_on_time_rate_and_colours(world: World) -> None:
    made = setup(world)  # both report on 20 July, before July's due day (Friday 23 July)
    world.clock.set(world.clock.now().replace(month=8, day=2))
    status, text = await get(world, f"api/unit?id={made.units['区住建局']}", headers(world, HOUSING))
    assert status == 200 and "考核台账（2021年）" in text
    assert "合计 +1 分，得分 101（基础分 100）；按时报送率 100%" in text
    assert "#1 完成城区5座公厕提升改造" in text and "按时报送" in text and "牵头" in text
    assert "各事项逐月颜色" in text and '8月<span class="dot c-red"' in text  # 10 % at 59 % of the time: red
    assert "8/2021" not in text and "2021年8月" in text  # this month so far, then July
    status, text = await get(world, "api/units", headers(world, SUPERVISOR_ID, language_code="en"))
    assert status == 200 and "Method: a base of 100 points" in text


# ---- lists (清单) and years, milestones (节点), adjustments (调整 / 取消) and the start parameter on the dashboard


def sheet_values(data: bytes) -> list[tuple]:
    import io

    from openpyxl import load_workbook

    return [tuple(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


async def test_the_export_of_any_list_is_the_chats_export_of_that_list(world: World) -> None:
    made = setup(world)
    second_list(world, made)
    async with aiohttp.ClientSession() as http:
        base = local_address(world.app) + "api/export.xlsx?period=2021-07"
        async with http.get(base + "&list=%E6%B0%91%E7%94%9F", headers=headers(world, ADMIN_ID)) as r:  # list=民生
            assert r.status == 200
            mine = sheet_values(await r.read())
        async with http.get(base + "&list=nonsense", headers=headers(world, ADMIN_ID)) as r:
            assert r.status == 404 and "没有这个代号的清单" in await r.text()
        async with http.get(base + "&list=%E6%B0%91%E7%94%9F", headers=headers(world, HOUSING)) as r:
            assert r.status == 403  # overseers only, whatever the list
    world.supervisor.send("/export 民生 2021-07")
    sent = await world.supervisor.expect("进展情况表-2021-07.xlsx", timeout=15)
    assert mine == sheet_values(world.sim.file_bytes(sent.document["file_id"]))  # the chat's own table
    text = repr(mine)
    assert "幼儿园" in text and "公厕" not in text
    _, page = await get(world, "api/export?list=%E6%B0%91%E7%94%9F", headers(world, SUPERVISOR_ID))
    assert '<option value="民生" selected>' in page and "2021年重点工作" in page  # the picker, on the list asked for
    # Telegram's own download: a one-time link for that list and month, and for that list only.
    status, path = await get(world, "api/link?for=export&period=2021-07&list=%E6%B0%91%E7%94%9F",
                             headers(world, ADMIN_ID))
    assert status == 200
    async with aiohttp.ClientSession() as http, http.get(local_address(world.app) + path) as r:
        assert r.status == 200 and sheet_values(await r.read()) == mine
    assert (await get(world, "api/link?for=export&period=2021-07&list=nonsense", headers(world, ADMIN_ID)))[0] == 404
    assert (await get(world, "api/link?for=export&period=2021-07&list=%E6%B0%91%E7%94%9F", headers(world, HOUSING))
            )[0] == 403


async def test_the_card_shows_milestones_and_the_table_filters_those_due(world: World) -> None:
    from db import milestones

    made = setup(world)  # today is 20 July 2021
    now = world.clock.now()
    with world.db.session() as session:
        design, start, end = milestones.add_milestones(session, item_id=made.items[1], now=now, milestones=[
            ("完成设计方案", date(2021, 6, 30), "6月底前"), ("5座公厕全面开工", date(2021, 7, 15), "7月15日前"),
            ("全部完工验收", date(2021, 12, 31), "年底前")])
        milestones.tick_milestones(session, item_id=made.items[1], milestone_ids=[design.id], now=now)
        start.unit_id = made.units["区交通运输局"]  # its own unit
        milestones.add_milestones(session, item_id=made.items[2], now=now,
                                  milestones=[("采购车辆", date(2021, 10, 31), "10月底前")])
    sup = headers(world, SUPERVISOR_ID)
    status, card = await get(world, f"api/item?id={made.items[1]}", sup)
    nodes = card[card.index("节点（1/3 已完成）"):card.index("</ol>", card.index("节点（1/3"))]
    assert status == 200 and nodes.index("完成设计方案") < nodes.index("5座公厕全面开工") < nodes.index("全部完工验收")
    assert 'n-done"' in nodes and "✓ 2021年7月20日" in nodes  # done, and when
    assert re.search(r'n-over">.*?5座公厕全面开工<span class="sub"> · 区交通运输局</span>.*?已逾期（2021年7月15日', nodes)
    assert re.search(r'n-due">.*?全部完工验收</span><span class="state">待完成（2021年12月31日', nodes)
    assert card.index("逐月预警") < card.index("节点（") < card.index("报送记录")  # after the months
    status, text = await get(world, "api/items?milestones=1", sup)
    assert "找到 1 项" in text and "公厕" in text and "客运" not in text and 'class="flag due-node"' in text
    status, text = await get(world, "api/items", sup)
    assert 'name="milestones" value="1"' in text and "找到 2 项" in text
    with world.db.session() as session:  # both open ones done: the table is built again, none is due
        milestones.tick_milestones(session, item_id=made.items[1], milestone_ids=[start.id, end.id], now=now)
    assert "找到 0 项" in (await get(world, "api/items?milestones=1", sup))[1]
    status, card = await get(world, f"api/item?id={made.items[1]}", headers(world, TRANSPORT))
    assert status == 403 and "公厕" not in card  # its own milestone does not open another unit's item


async def test_the_cards_months_are_of_its_lists_year(world: World) -> None:
    made = setup(world)
    later = second_list(world, made, year=2022)
    sup = headers(world, SUPERVISOR_ID)
    _, card = await get(world, f"api/item?id={later}", sup)
    assert "2022 年逐月预警" in card and "2021 年逐月预警" not in card  # the list's 考核年度, not the clock's 2021
    _, card = await get(world, f"api/item?id={made.items[1]}", sup)
    assert "2021 年逐月预警" in card


async def test_an_admin_decides_an_adjustment_from_the_card(world: World) -> None:
    from db import closing

    made = setup(world)
    now = world.clock.now()
    with world.db.session() as session:
        item = session.get(Item, made.items[1])
        closing.request_adjustment(session, item=item, unit_id=made.units["区住建局"], by=HOUSING, kind="title",
                                   after={"title": "完成城区6座公厕提升改造"}, reason="新增1座", now=now, draft_id="t1")
    change = "调整标题：完成城区5座公厕提升改造 → 完成城区6座公厕提升改造"
    for person in (HOUSING, SUPERVISOR_ID):  # the unit and a supervisor see it; admins decide
        status, card = await get(world, f"api/item?id={made.items[1]}", headers(world, person))
        assert status == 200 and change in card and "待审批" in card and 'data-action="adjust"' not in card
    _, card = await get(world, f"api/item?id={made.items[1]}", headers(world, ADMIN_ID))
    adjustment_id, token = token_in(card, "adjustment")
    form = {"adjustment": adjustment_id, "token": token, "verdict": "approve", "comment": "同意"}
    before = snapshot(world)
    assert (await post(world, "api/adjust", ADMIN_ID, form, origin=False))[0] == 403  # no Origin
    assert (await post(world, "api/adjust", SUPERVISOR_ID, form))[0] == 403  # admins only, as the chat's buttons
    assert (await post(world, "api/adjust", HOUSING, form))[0] == 403
    async with aiohttp.ClientSession() as http:  # a forged identity
        forged = {HEADER: headers(world, ADMIN_ID)[HEADER].replace("hash=", "hash=0"),
                  "Origin": local_address(world.app).split("/webapp/")[0]}
        async with http.post(local_address(world.app) + "api/adjust", data=form, headers=forged) as r:
            assert r.status == 401
    assert snapshot(world) == before
    status, text = await post(world, "api/adjust", ADMIN_ID, form)
    assert status == 200 and "已批准 #1 的调整申请" in text
    notice = await world.user(HOUSING, "李四").expect("调整申请已批准")
    assert "6座" in notice.text and "同意" in notice.text
    assert (await post(world, "api/adjust", ADMIN_ID, form))[0] == 409  # replayed
    with world.db.session() as session:
        assert session.get(Item, made.items[1]).title == "完成城区6座公厕提升改造"
        (kept,) = closing.adjustments_of_item(session, item_id=made.items[1])
        assert (kept.status, kept.decided_by, kept.before["title"]) == ("approved", ADMIN_ID, "完成城区5座公厕提升改造")
        item = session.get(Item, made.items[2])
        cancel = closing.request_adjustment(session, item=item, unit_id=made.units["区交通运输局"], by=TRANSPORT,
                                            kind="cancel", after={}, reason="上级取消", now=now, draft_id="t2")
    _, card = await get(world, f"api/item?id={made.items[1]}", headers(world, ADMIN_ID))
    assert "已批准" in card and 'data-action="adjust"' not in card  # decided: the line stays, the form goes
    _, card = await get(world, f"api/item?id={made.items[2]}", headers(world, ADMIN_ID))
    assert "申请取消该事项" in card
    adjustment_id, token = token_in(card, "adjustment")
    assert adjustment_id == str(cancel.id)
    status, text = await post(world, "api/adjust", ADMIN_ID, {"adjustment": adjustment_id, "token": token,
                                                              "verdict": "refuse", "comment": "仍须完成"})
    assert status == 200 and "已不批准 #2 的调整申请" in text
    assert "仍须完成" in (await world.user(TRANSPORT, "王五").expect("调整申请未获批准")).text


async def test_a_units_page_is_seen_from_its_lists_year(world: World) -> None:
    made = setup(world)  # a 2021 list
    world.clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))  # years later: the page still shows 2021
    status, text = await get(world, f"api/unit?id={made.units['区住建局']}", headers(world, HOUSING))
    assert status == 200 and "考核台账（2021年）" in text and "考核台账（2026年）" not in text
    assert "2021年12月" in text and "#1 完成城区5座公厕提升改造" in text
