"""The Bot API simulator, driven by the real python-telegram-bot client (never mocked)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot as TgBot
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    MenuButtonCommands,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.simulator import BotApiSimulator, make_png

PNG = make_png(4, 3, (255, 0, 0))

# RetryAfter's own message reads the deprecated int ``retry_after`` (PTB 22.2+).
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator() as simulator:
        yield simulator


@pytest.fixture
async def bot(sim: BotApiSimulator) -> AsyncIterator[TgBot]:
    """A bare PTB Bot against the simulator, for calls that need no update handling."""
    async with TgBot(sim.token, base_url=sim.base_url, base_file_url=sim.base_file_url) as tg_bot:
        yield tg_bot


def build_app(sim: BotApiSimulator) -> Application:
    return ApplicationBuilder().token(sim.token).base_url(sim.base_url).base_file_url(sim.base_file_url).build()


@asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def test_echo_and_command_in_private_chat(sim: BotApiSimulator) -> None:
    seen: dict[str, object] = {}

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.effective_user is not None
        seen["entities"] = update.message.entities
        seen["language"] = update.effective_user.language_code
        await update.message.reply_html(f"欢迎 <b>{escape(update.effective_user.first_name)}</b>")

    app = build_app(sim)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    li = sim.user(1001, "李四", username="lisi")
    async with polling(app):
        li.send("你好，机器人")
        assert (await li.expect()).text == "你好，机器人"
        li.send("/start")
        reply = await li.expect("欢迎")

    assert (reply.text, reply.raw_text, reply.parse_mode) == ("欢迎 李四", "欢迎 <b>李四</b>", "HTML")
    assert reply.entities == [{"type": "bold", "offset": 3, "length": 2}]
    assert reply.from_bot and reply.chat_id == li.id and not reply.edited
    entities = seen["entities"]
    assert isinstance(entities, tuple) and entities[0].type == "bot_command" and entities[0].length == 6
    assert seen["language"] == "zh-hans"
    assert [call.method for call in sim.calls[:2]] == ["getMe", "deleteWebhook"]
    sends = sim.calls_of("sendMessage")
    assert sends[0].params["chat_id"] == li.id and sends[0].params["text"] == "你好，机器人"
    assert [m.message_id for m in li.chat.messages] == [1, 2, 3, 4]
    transcript = sim.transcript(li.id)
    assert "[私聊 李四] 李四: 你好，机器人" in transcript
    assert "[私聊 李四] 🤖 督办助手: 欢迎 李四" in transcript


async def test_group_commands_and_privacy_mode(sim: BotApiSimulator) -> None:
    async def setgroup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("已设置本群接收每周通报。")

    app = build_app(sim)
    app.add_handler(CommandHandler("setgroup", setgroup))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    group = sim.group(-100123, "督查组")
    wang = sim.user(2001, "王科长")
    group.add_member(wang, "administrator")
    async with polling(app):
        wang.send("/setgroup@progress_test_bot", chat=group)
        confirmation = await group.expect("已设置")
        wang.send("/setgroup@some_other_bot", chat=group)
        plain = wang.send("大家好", chat=group)  # privacy mode: the bot never sees this
        await group.expect_none(0.3)
        wang.send("收到", chat=group, reply_to=confirmation)  # replies to the bot are delivered
        echoed = await group.expect()

    assert echoed.text == "收到" and echoed.chat_id == group.id
    assert not plain.delivered
    transcript = sim.transcript(group.id)
    assert "[群 督查组] 管理员 王科长: /setgroup@progress_test_bot" in transcript
    assert "[群 督查组] 管理员 王科长: 大家好   🙈 (隐私模式：机器人收不到)" in transcript
    assert "↩️「已设置本群接收每周通报。」 收到" in transcript


async def test_button_press_answer_and_edit(sim: BotApiSimulator) -> None:
    received: list[str] = []

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        keyboard = InlineKeyboardMarkup([
            [InlineKeyboardButton("上报进展 #3", callback_data="rep:3"),
             InlineKeyboardButton("上报进展 #5", callback_data="rep:5")],
            [InlineKeyboardButton("说明", url="https://example.com/help")],
        ])
        await update.message.reply_text("请选择要上报的事项：", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        received.append(query.data)
        await query.answer(f"已选择 {query.data}")
        await query.edit_message_text(f"正在上报 #{query.data.split(':')[1]}")

    app = build_app(sim)
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(pressed))
    li = sim.user(1001, "李四")
    async with polling(app):
        li.send("/menu")
        menu_message = await li.expect("请选择")
        assert menu_message.buttons == [["上报进展 #3", "上报进展 #5"], ["说明"]]
        assert menu_message.button_data("上报进展 #5") == "rep:5"
        with pytest.raises(AssertionError, match="url button"):
            li.press(menu_message, "说明")
        with pytest.raises(AssertionError, match="上报进展 #3"):
            li.press(menu_message, "上报进展 #4")
        query_id = li.press(menu_message, "上报进展 #3")
        answer = await sim.wait_callback_answer(query_id)
        edited = await li.expect()
        forged_id = li.press_data(menu_message, "rep:999")
        await sim.wait_callback_answer(forged_id)
        await li.expect("#999")

        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await app.bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await app.bot.edit_message_text("正在上报 #999", chat_id=li.id, message_id=menu_message.message_id)

    assert received == ["rep:3", "rep:999"]
    assert answer["text"] == "已选择 rep:3"
    assert edited.edited and edited.message_id == menu_message.message_id
    assert edited.text == "正在上报 #3" and edited.buttons == []  # edit without reply_markup drops the keyboard
    assert menu_message.buttons  # what expect() returned is a snapshot
    transcript = sim.transcript()
    assert "    [ 上报进展 #3 ] [ 上报进展 #5 ]\n    [ 说明 🔗 ]" in transcript
    assert "[私聊 李四] 李四 ⟵ 按下「上报进展 #3」" in transcript
    assert "🤖 督办助手 ⟶ 提示「已选择 rep:3」" in transcript
    assert "🤖 督办助手: ✏️（已编辑）正在上报 #3" in transcript


async def test_photo_and_document_round_trip(sim: BotApiSimulator) -> None:
    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        data = await (await update.message.photo[-1].get_file()).download_as_bytearray()
        await update.message.reply_text(f"照片 {bytes(data[:4])!r} {update.message.caption}")

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.document is not None
        data = await (await update.message.document.get_file()).download_as_bytearray()
        await update.message.reply_document(document=bytes(data).upper(), filename="回执.txt",
                                            caption=f"收到 {update.message.document.file_name}")

    app = build_app(sim)
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    li = sim.user(1001, "李四")
    async with polling(app):
        li.send_photo(caption="现场照片")
        photo_reply = await li.expect("照片")
        sent = li.send_document("进展.txt", b"done", caption="/report 3")
        document_reply = await li.expect("收到 进展.txt")

        photo = await app.bot.send_photo(li.id, photo=PNG, caption="<b>图</b>", parse_mode="HTML")
        again = await app.bot.send_photo(li.id, photo=photo.photo[-1].file_id)
        with pytest.raises(BadRequest, match="(?i)IMAGE_PROCESS_FAILED"):
            await app.bot.send_photo(li.id, photo=b"not a picture")
        with pytest.raises(BadRequest, match="(?i)can't use file of type Document as Photo"):
            await app.bot.send_photo(li.id, photo=document_reply.document["file_id"])  # type: ignore[index]
        album = await app.bot.send_media_group(li.id, [InputMediaDocument(b"a", filename="a.txt"),
                                                       InputMediaDocument(b"b", filename="b.txt")])

    assert photo_reply.text == "照片 b'\\x89PNG' 现场照片"
    assert sent.caption_entities == [{"type": "bot_command", "offset": 0, "length": 7}]
    assert document_reply.document is not None and document_reply.document["file_name"] == "回执.txt"
    assert sim.file_bytes(document_reply.document["file_id"]) == b"DONE"
    assert (photo.photo[-1].width, photo.photo[-1].height, photo.caption) == (4, 3, "图")
    assert again.photo[-1].file_unique_id != ""
    assert [m.document.file_name for m in album if m.document] == ["a.txt", "b.txt"]
    assert album[0].media_group_id == album[1].media_group_id is not None
    assert sim.file_bytes(album[1].document.file_id) == b"b"  # type: ignore[union-attr]
    assert "📄 回执.txt — 收到 进展.txt" in sim.transcript()


async def test_strict_validation_surfaces_as_bad_request(sim: BotApiSimulator, bot: TgBot) -> None:
    li = sim.user(1001, "李四")
    cases = {
        "第一行<br>第二行": 'Unsupported start tag "br" at byte offset 9',
        "<b>未关闭": 'Can\'t find end tag corresponding to start tag "b"',
        "<b><i>交叉</b></i>": 'Unmatched end tag at byte offset 12, expected "</i>", found "</b>"',
        "1 < 2": 'Unsupported start tag "" at byte offset 2',
        "<b></b>": "message text is empty",
        "好" * 4097: "message is too long",
    }
    for text, error in cases.items():
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(li.id, text, parse_mode="HTML")
        # PTB strips "Bad Request: " and capitalize()s the rest, lowercasing it
        assert error.lower() in caught.value.message.lower(), text
    assert (await bot.send_message(li.id, "<b>" + "好" * 4096 + "</b>", parse_mode="HTML")).text == "好" * 4096
    with pytest.raises(BadRequest, match="(?i)unsupported parse_mode"):  # the bot sends HTML only
        await bot.send_message(li.id, r"完成率 *50\.5%*", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(li.id, "   ")
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(li.id, "按钮", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("太长", callback_data="x" * 65)]]))
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("新", chat_id=li.id, message_id=999)
    with pytest.raises(AssertionError, match="Transcript tail"):
        await li.expect("不存在的消息", timeout=0.05)
    failed = [call for call in sim.calls if call.status == 400]
    assert len(failed) == 11 and failed[0].description is not None


async def test_blocked_chat_is_forbidden(sim: BotApiSimulator, bot: TgBot) -> None:
    li = sim.user(1001, "李四")
    sim.forbidden_chats.add(li.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(li.id, "提醒")
    group = sim.group(-100, "督查组")
    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden, match="not a member"):
        await bot.send_message(group.id, "通报")
    assert [u["my_chat_member"]["new_chat_member"]["status"] for u in sim.pending_updates] == ["left"]


async def test_fault_injection_and_rate_limits(sim: BotApiSimulator, bot: TgBot) -> None:
    li = sim.user(1001, "李四")
    sim.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(li.id, "一")
    sim.fail_next("SENDMESSAGE", status=429, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(li.id, "二")
    await bot.send_message(li.id, "三")
    assert [call.status for call in sim.calls_of("sendMessage")] == [500, 429, 200]
    assert li.chat.messages[0].text == "三"

    sim.rate_limit_per_second = 2
    await bot.send_message(li.id, "四")  # with "三" that is two within one second
    with pytest.raises(RetryAfter):
        await bot.send_message(li.id, "五")
    assert sim.too_many_requests == 1
    sim.rate_limit_per_second = None

    group = sim.group(-100, "督查组")
    sim.group_rate_limit_per_minute = 1
    await bot.send_message(group.id, "通报")
    with pytest.raises(RetryAfter):
        await bot.send_message(group.id, "再通报")
    await bot.send_message(li.id, "私聊不受群限制")
    assert sim.too_many_requests == 2

    sim.response_delay = 0.2
    started = time.monotonic()
    await bot.send_chat_action(li.id, "typing")
    assert time.monotonic() - started >= 0.2


async def test_webhook_delivery_and_conflict(sim: BotApiSimulator, bot: TgBot) -> None:
    li = sim.user(1001, "李四")
    received: list[tuple[str | None, dict]] = []
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        arrived.set()
        # A webhook may answer with a method call, which Telegram then executes.
        return web.json_response({"method": "sendMessage", "chat_id": li.id, "text": "webhook 已收到"})

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="s3cret-Token_1")
        li.send("webhook 你好")
        await asyncio.wait_for(arrived.wait(), 5)
        assert (await li.expect()).text == "webhook 已收到"
        info = await bot.get_webhook_info()
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        with pytest.raises(BadRequest, match="(?i)secret token contains unallowed characters"):
            await bot.set_webhook(url, secret_token="含中文")
        assert await bot.delete_webhook()
        li.send("又改回轮询")
        updates = await bot.get_updates(timeout=1)
    finally:
        await runner.cleanup()

    secret, update = received[0]
    assert secret == "s3cret-Token_1" and update["message"]["text"] == "webhook 你好"
    assert (info.url, info.pending_update_count) == (url, 0)
    assert [u.message.text for u in updates if u.message] == ["又改回轮询"]


async def test_long_polling_answers_immediately_and_one_poller_wins(sim: BotApiSimulator, bot: TgBot) -> None:
    li = sim.user(1001, "李四")
    # A second bot process polling with the same token (one Bot object would queue its own
    # getUpdates calls: PTB gives them a connection pool of size 1).
    async with TgBot(sim.token, base_url=sim.base_url) as other_instance:
        first = asyncio.create_task(other_instance.get_updates(timeout=3))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(bot.get_updates(timeout=3))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
    started = time.monotonic()
    li.send("在吗")
    updates = await second
    assert time.monotonic() - started < 0.5
    assert updates[0].message is not None and updates[0].message.text == "在吗"
    # Updates stay queued until confirmed with a higher offset.
    assert len(await bot.get_updates()) == 1
    assert await bot.get_updates(offset=updates[0].update_id + 1) == ()


async def test_raw_http_encodings_and_errors(sim: BotApiSimulator) -> None:
    li = sim.user(1001, "李四")
    base = f"{sim.base_url}{sim.token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sim.base_url}654321:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.get(f"{sim.base_url}not-a-token/getMe") as response:
            assert response.status == 404
        async with http.post(f"{base}/noSuchMethod") as response:
            assert (response.status, (await response.json())["description"]) == (404, "Not Found")
        async with http.get(f"{base}/GETME") as response:
            me = await response.json()
            assert me["ok"] and me["result"]["username"] == "progress_test_bot" and me["result"]["is_bot"]
        async with http.get(f"{base}/sendMessage", params={"chat_id": str(li.id), "text": "query"}) as response:
            assert (await response.json())["result"]["text"] == "query"
        markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
        async with http.post(f"{base}/sendMessage",
                             json={"chat_id": li.id, "text": "json", "reply_markup": markup}) as response:
            assert (await response.json())["result"]["reply_markup"] == markup
        form = aiohttp.FormData(quote_fields=False)  # send the UTF-8 file name as is, like httpx
        form.add_field("chat_id", str(li.id))
        form.add_field("caption", "多部分")
        form.add_field("document", b"\x00\x01", filename="数据.bin", content_type="application/octet-stream")
        async with http.post(f"{base}/sendDocument", data=form) as response:
            document = (await response.json())["result"]["document"]
        async with http.post(f"{base}/getFile", data={"file_id": document["file_id"]}) as response:
            path = (await response.json())["result"]["file_path"]
        async with http.get(f"{sim.base_file_url}{sim.token}/{path}") as response:
            assert await response.read() == b"\x00\x01"
        async with http.post(f"{base}/sendMessage", data={"chat_id": str(li.id)}) as response:
            assert await response.json() == {"ok": False, "error_code": 400,
                                             "description": "Bad Request: message text is empty"}
        async with http.post(f"{base}/sendMessage", data={"chat_id": str(li.id), "text": "x",
                                                          "reply_markup": "{not json"}) as response:
            assert "can't parse reply keyboard markup JSON object" in (await response.json())["description"]
    assert [m.text for m in li.chat.bot_messages()] == ["query", "json", None]
    assert sim.calls_of("sendMessage")[1].params["reply_markup"] == markup
    assert sim.calls_of("sendDocument")[0].params["document"]["upload"] == "数据.bin"
    assert json.loads(json.dumps(sim.calls_of("getMe")[0].params)) == {}


async def test_user_edit_forward_and_delete(sim: BotApiSimulator) -> None:
    async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.edited_message is not None and update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, f"改为：{update.edited_message.text}")

    async def on_forward(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.forward_origin is not None
        await update.message.reply_text(f"转发：{update.message.text}")
        await update.message.delete()

    app = build_app(sim)
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edit))
    app.add_handler(MessageHandler(filters.FORWARDED, on_forward))
    li = sim.user(1001, "李四")
    group = sim.group(-100, "督查组")
    async with polling(app):
        original = li.send("/done 3")
        li.edit(original, "/done 4")
        assert (await li.expect()).text == "改为：/done 4"
        forwarded = li.forward(original)
        assert (await li.expect()).text == "转发：/done 4"
        mine = li.send("群里的话", chat=group)
        with pytest.raises(BadRequest, match="(?i)message can't be deleted"):
            await app.bot.delete_message(group.id, mine.message_id)

    assert forwarded.forward_origin is not None and forwarded.deleted
    assert "✏️（已编辑）/done 4" in sim.transcript(li.id)
    assert "🗑️ 删除了 李四 的消息「/done 4」" in sim.transcript(li.id)


async def test_bot_settings_and_chat_info(sim: BotApiSimulator, bot: TgBot) -> None:
    li = sim.user(1001, "李四")
    wang = sim.user(2001, "王科长")
    group = sim.group(-100, "督查组").add_member(wang, "administrator")

    commands = [BotCommand("report", "上报进展"), BotCommand("help", "帮助")]
    assert await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="zh")
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="zh") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert sim.get_commands({"type": "all_private_chats"}, "zh")[0] == {"command": "report",
                                                                        "description": "上报进展"}
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Report", "大写不行")])
    assert await bot.set_chat_menu_button(chat_id=li.id, menu_button=MenuButtonCommands())
    assert isinstance(await bot.get_chat_menu_button(li.id), MenuButtonCommands)
    assert await bot.set_my_description("督查督办助手") and await bot.set_my_short_description("督办")
    assert (await bot.get_my_description()).description == "督查督办助手"
    assert sim.short_descriptions == {"": "督办"}

    private = await bot.get_chat(li.id)
    assert (private.type, private.first_name) == ("private", "李四")
    assert (await bot.get_chat(group.id)).title == "督查组"
    member = await bot.get_chat_member(group.id, wang.id)
    assert isinstance(member, ChatMemberAdministrator) and member.user.first_name == "王科长"
    assert (await bot.get_chat_member(group.id, li.id)).status == "left"
    assert (await bot.get_chat_member(group.id, sim.bot_id)).status == "member"
    with pytest.raises(BadRequest, match="(?i)user not found"):
        await bot.get_chat_member(group.id, 777)
