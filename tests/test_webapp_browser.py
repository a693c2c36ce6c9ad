"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright) against the running
bot: a supervisor filters to one unit's red items, opens a card, sees the evidence photo a contact sent in
the chat, and sends the report back; an admin opens a card from a direct link (milestones, instruction,
办结 and an adjustment, which they approve), filters to milestones due and switches list; screenshots of
every view at phone and desktop width."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.webapp import demo_url, local_address
from db import closing, instructions, lists, milestones, reports
from db import items as items_db
from db.models import Item
from tests.conftest import ADMIN_ID, SUPERVISOR_ID, World
from tests.office import office

HOUSING, TRANSPORT = 2001, 2002
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SIZES = {"phone": (360, 740), "desktop": (1280, 900)}

playwright_api = pytest.importorskip("playwright.async_api", reason="pip install playwright (the test extra)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium: apt-get install chromium (.ci/run does)")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webapp_url": "https://dash.example.test/webapp/", "webapp_port": 0}


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield chromium
        finally:
            await chromium.close()


async def report_with_photo(contact, text: str) -> None:  # type: ignore[no-untyped-def]
    contact.send("/report 1")
    await contact.expect("请用一条消息")
    contact.send(text)
    contact.press(await contact.expect("推进状态"), "★ 推进良好")
    contact.press(await contact.expect("存在问题"), "无")
    await contact.expect("佐证材料")
    contact.send_photo()
    contact.press(await contact.expect("已收到佐证材料 1 个"), "📤 提交")
    await contact.expect("已保存报送记录")


async def loaded(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Wait for a picture to be drawn (polled from outside: the page's CSP forbids wait_for_function's eval)."""
    for _ in range(100):
        if await page.locator(selector).evaluate("img => img.naturalWidth") > 0:
            return
        await page.wait_for_timeout(100)
    raise AssertionError(f"{selector} never loaded")


async def shoot(page, folder: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    for size, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.wait_for_timeout(150)
        await page.screenshot(path=str(folder / f"{name}-{size}.png"), full_page=True)


async def three_items(world: World):  # type: ignore[no-untyped-def]
    """#1 housing's, 10 % done and a photo sent through the chat (red); #2 transport's; #3 housing's, green."""
    units = {"区住建局": [(HOUSING, "李四", False)], "区交通运输局": [(TRANSPORT, "王五", False)]}
    items = [("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)),
             ("更新农村客运班车5辆", "区交通运输局", date(2021, 12, 31)),
             ("实现居民小区物业管理全覆盖", "区住建局", date(2021, 12, 31))]
    made = office(world.db, world.clock.now(), units=units, items=items)
    with world.db.session() as session:
        reports.add_report(session, item_id=made.items[3], unit_id=made.units["区住建局"], reporter_id=HOUSING,
                           period="2021-07", now=world.clock.now(), text="完成60%", percent=60, status="good",
                           problems=None)
    contact = world.user(HOUSING, "李四")
    await report_with_photo(contact, "完成新桥小区公厕改造，完成10%")
    return made, contact


async def opened(world: World, browser, theme: str, *, user_id: int = SUPERVISOR_ID, start: str = "",
                 **identity: object):  # type: ignore[no-untyped-def]
    """A phone-sized page with the dashboard opened as Telegram would, with these theme colours (and a
    direct link's start parameter, which Telegram puts in the query)."""
    page = await browser.new_page(viewport={"width": 360, "height": 740})
    await page.route("https://telegram.org/**", lambda route: route.abort())  # no network here
    url = demo_url(local_address(world.app), token=world.sim.token, user_id=user_id, **identity)  # type: ignore[arg-type]
    if start:
        url = url.replace("?v=home", f"?tgWebAppStartParam={start}")
    await page.goto(url + "&tgWebAppThemeParams=" + theme)
    return page


def screenshots(tmp_path: Path) -> Path:
    """Where the screenshots go: WEBAPP_SCREENSHOTS, to look at them, or the test's own folder."""
    folder = Path(os.environ.get("WEBAPP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_a_supervisor_filters_opens_a_card_sees_the_photo_and_sends_it_back(
        world: World, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made, contact = await three_items(world)
    folder = screenshots(tmp_path)
    page = await opened(world, browser, '{"bg_color":"#ffffff","button_color":"#3390ec","link_color":"#2481cc"}',
                        first_name="督查员")
    await page.wait_for_selector("text=年度重点任务")
    await shoot(page, folder, "home")

    await page.click("a[href='?v=items']")
    await page.wait_for_selector("table.items")
    await shoot(page, folder, "items")
    await page.select_option("select[name=unit]", label="区住建局")
    await page.select_option("select[name=colour]", value="red")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_selector("text=找到 1 项")
    rows = await page.locator("table.items tbody tr").all_inner_texts()
    assert len(rows) == 1 and "公厕" in rows[0] and "物业" not in rows[0]
    assert "colour=red" in page.url

    await page.click("text=完成城区5座公厕提升改造")
    await page.wait_for_selector("form[data-action=sendback]")
    photo = page.locator(".evidence img")
    await photo.wait_for()
    await loaded(page, ".evidence img")
    assert (await photo.get_attribute("src")).startswith("blob:")  # fetched with the header, no token in any URL
    assert world.sim.token not in await page.content()
    await shoot(page, folder, "card")

    await page.fill("textarea[name=reason]", "请写明已完工的公厕和工程量")
    await page.click("form[data-action=sendback] button")
    await page.wait_for_selector("text=已退回 #1")
    notice = await contact.expect("【退回重报】")
    assert "工程量" in notice.text and "督查员" in notice.text
    with world.db.session() as session:
        returned = reports.reports_of_item(session, item_id=made.items[1])[-1]
    assert returned.returned_by == SUPERVISOR_ID

    for view, ready in (("unit", "月度排名"), ("chart", "分领域图表"), ("export", "下载 .xlsx"), ("units", "单位排名")):
        extra = f"&id={made.units['区住建局']}" if view == "unit" else ""
        await page.evaluate(f"history.pushState(null, '', '?v={view}{extra}' + location.hash)")
        await page.evaluate("dispatchEvent(new PopStateEvent('popstate'))")
        await page.wait_for_selector(f"text={ready}")
        if view == "chart":
            await loaded(page, ".chart img")
        await shoot(page, folder, view)


async def test_in_english_with_a_dark_theme(world: World, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await three_items(world)
    folder = screenshots(tmp_path)
    dark = ('{"bg_color":"#17212b","secondary_bg_color":"#232e3c","text_color":"#f5f5f5","hint_color":"#708499",'
            '"link_color":"#6ab3f3","button_color":"#5288c1","button_text_color":"#ffffff","section_bg_color":"#17212b",'
            '"section_separator_color":"#111921"}')
    page = await opened(world, browser, dark, first_name="Inspector", language_code="en")
    await page.wait_for_selector("text=Key tasks of the year")
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(35, 46, 60)"
    await page.click("a[href='?v=items']")
    await page.wait_for_selector("text=3 items found")
    await shoot(page, folder, "dark-en-items")
    await page.click("text=完成城区5座公厕提升改造")
    await page.wait_for_selector("text=Return the latest report")
    await loaded(page, ".evidence img")
    await shoot(page, folder, "dark-en-card")


async def test_a_forged_identity_gets_a_clear_page_in_the_browser(world: World, browser) -> None:  # type: ignore[no-untyped-def]
    page = await browser.new_page()
    await page.route("https://telegram.org/**", lambda route: route.abort())
    url = demo_url(local_address(world.app), token="123456:not-the-bots-token-at-all", user_id=SUPERVISOR_ID)
    await page.goto(url)
    await page.wait_for_selector("text=校验未通过")
    await page.goto(local_address(world.app))  # no initData at all
    await page.evaluate("sessionStorage.clear()")
    await page.reload()
    await page.wait_for_selector("text=请从 Telegram")


def reviewed_items(world: World) -> tuple[int, int]:
    """#1 housing's with milestones (done, overdue with its own unit, due), a leader's instruction, a 办结
    asked for and a title change awaiting an admin; #1 of a second list, 民生; their database ids."""
    units = {"区住建局": [(HOUSING, "李四", False)], "区交通运输局": [(TRANSPORT, "王五", False)]}
    made = office(world.db, world.clock.now(), units=units, items=[
        ("完成城区5座公厕提升改造", "区住建局", date(2021, 12, 31)), ("更新农村客运班车5辆", "区交通运输局", date(2021, 12, 31))])
    now, housing = world.clock.now(), made.units["区住建局"]
    with world.db.session() as session:
        item = session.get(Item, made.items[1])
        done, over, _ = milestones.add_milestones(session, item_id=item.id, now=now, milestones=[
            ("完成设计方案", date(2021, 6, 30), None), ("5座公厕全面开工", date(2021, 7, 15), None),
            ("全部完工验收", date(2021, 12, 31), None)])
        milestones.tick_milestones(session, item_id=item.id, milestone_ids=[done.id], now=now)
        over.unit_id = made.units["区交通运输局"]
        instructions.record(session, item_id=item.id, leader="区长 张三", given_on=date(2021, 7, 5),
                            text="加快进度，确保年底前全部完工", act_by=date(2021, 7, 31), act_by_text="7月底前", by=ADMIN_ID,
                            now=now, units={housing: "lead"}, draft_id="b1")
        report = reports.add_report(session, item_id=item.id, unit_id=housing, reporter_id=HOUSING, period="2021-07",
                                    now=now, text="已全部完工", percent=100, status="ahead", problems=None)
        closing.request_closing(session, item=item, report=report, now=now)
        closing.request_adjustment(session, item=item, unit_id=housing, by=HOUSING, kind="title",
                                   after={"title": "完成城区6座公厕提升改造"}, reason="新增1座", now=now, draft_id="b2")
        livelihood = lists.create_list(session, name="2021年民生实事", year=2021, code="民生", now=now)
        other = items_db.add_item(session, title="新建幼儿园3所", deadline=date(2021, 12, 31), deadline_text="2021.12",
                                 lead_unit_ids=[housing], responsible_unit_ids=[housing], start_date=date(2021, 1, 1),
                                 list_id=livelihood.id, now=now)
        return item.id, other.id


async def test_an_admin_opens_a_card_from_a_link_decides_and_switches_list(
        world: World, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, _ = reviewed_items(world)
    folder = screenshots(tmp_path)
    page = await opened(world, browser, '{"bg_color":"#ffffff"}', user_id=ADMIN_ID, first_name="管理员",
                        start=f"item-{first}")  # the item's database id
    await page.wait_for_selector("text=节点（1/3 已完成）")
    assert f"id={first}" in page.url
    for section in ("领导批示", "区长 张三", "申请办结，待审核", "调整标题：完成城区5座公厕提升改造 → 完成城区6座公厕提升改造"):
        await page.wait_for_selector(f"text={section}")
    overdue = await page.locator(".node.n-over").inner_text()
    assert "5座公厕全面开工 · 区交通运输局" in overdue and "已逾期（2021年7月15日" in overdue
    await shoot(page, folder, "card-review")
    await page.fill("form[data-action=adjust] input[name=comment]", "同意")
    await page.click("form[data-action=adjust] button[value=approve]")
    await page.wait_for_selector(r"text=/已批准 \S+ 的调整申请/")  # 重点1: two lists are active
    with world.db.session() as session:
        assert session.get(Item, first).title == "完成城区6座公厕提升改造"

    await page.click("a[href='?v=items']")
    await page.wait_for_selector("table.items")
    await page.check("input[name=milestones]")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_selector("text=找到 1 项")
    assert "milestones=1" in page.url and "节点到期" in await page.locator("table.items tbody").inner_text()
    await shoot(page, folder, "items-milestones")
    await page.uncheck("input[name=milestones]")
    await page.select_option("select[name=list]", value="民生")
    await page.click("form.filters button[type=submit]")
    await page.wait_for_selector("h1:has-text('2021年民生实事')")
    rows = await page.locator("table.items tbody tr").all_inner_texts()
    assert len(rows) == 1 and "幼儿园" in rows[0]
    await page.click("a[href='?v=home']")
    await page.wait_for_selector("[data-list=民生]")
    await shoot(page, folder, "home-lists")
    await page.click("[data-list=民生] a.chip")  # that list's export
    await page.wait_for_selector("form.export")
    assert await page.locator("select[name=list]").input_value() == "民生"
    async with page.expect_download() as started:
        await page.click("form.export button[type=submit]")
    download = await started.value
    saved = tmp_path / "export.xlsx"
    await download.save_as(saved)
    assert download.suggested_filename == "2021-07.xlsx"
    cells = repr(list(load_workbook(saved).active.iter_rows(values_only=True)))
    assert "幼儿园" in cells and "公厕" not in cells  # that list's table
