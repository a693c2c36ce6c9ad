"""The server: HTTP on 127.0.0.1, updates (long polling and webhooks), the test-side API, the users'
actions and the transcript."""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.simulator.formatting import detect_entities
from bot.simulator.methods import BotApiMethods
from bot.simulator.protocol import (
    _SECRET_TOKEN_RE,
    _TOKEN_RE,
    _UPDATE_TYPES_OFF_BY_DEFAULT,
    MAX_UPLOAD_SIZE,
    ApiError,
    JSONDict,
    _bad,
    _snippet,
)
from bot.simulator.state import (
    ApiCall,
    SimChat,
    SimFile,
    SimMessage,
    SimUser,
    _Fault,
    _Params,
    _PendingQuery,
    _Signal,
    _Upload,
    _Webhook,
)


class BotApiSimulator(BotApiMethods):
    """A Bot API server for one bot, listening on 127.0.0.1 in the current event loop."""

    def __init__(self, token: str = "123456:TEST-TOKEN", username: str = "progress_test_bot", *,
                 first_name: str = "督办助手") -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"not a bot token: {token!r} (expected '<digits>:<secret>')")
        self.token = token
        self.username = username
        self.first_name = first_name
        self.bot_id = int(token.split(":", 1)[0])
        self.port: int | None = None

        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, JSONDict] = {}
        self.files: dict[str, SimFile] = {}
        # Fault injection and limits
        self.forbidden_chats: set[int] = set()
        self.rate_limit_per_second: float | None = None
        self.group_rate_limit_per_minute: int | None = None
        self.response_delay: float = 0.0
        self.too_many_requests = 0
        # Privacy mode (on by default for every bot): in groups the bot only receives commands,
        # replies to its own messages and everything once it is an administrator.
        self.privacy_mode = True
        # Bot settings set through the API
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}  # (scope JSON, language) -> commands
        self.menu_buttons: dict[int | None, JSONDict] = {}  # chat id (None = default) -> menu button
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.on_log: Callable[[str], None] | None = None  # called with each transcript entry as it happens

        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, SimChat] = {}
        self._updates: list[JSONDict] = []
        self._last_update_id = 100_000
        self._updates_signal = _Signal()
        self._poll_generation = 0
        self._allowed_updates: list[str] | None = None
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._faults: dict[str, deque[_Fault]] = {}
        self._global_sends: deque[float] = deque()
        self._group_sends: dict[int, deque[float]] = {}
        self._pending_queries: dict[str, _PendingQuery] = {}
        self._answers_signal = _Signal()
        self._log: list[tuple[int, str]] = []  # (chat id, rendered entry), in time order
        self._file_counter = 0
        self._media_group_counter = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._handlers: dict[str, Callable[[_Params], Any]] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "setMyName": self._set_my_name,
            "getMyName": self._get_my_name,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "leaveChat": self._leave_chat,
        }
        self._method_names = {name.lower(): name for name in self._handlers}

    # ---------------------------------------------------------------- lifecycle

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1:``port`` (0 = a free port)."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._http = aiohttp.ClientSession()
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._updates_signal.notify()  # lets pending long polls answer at once
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            try:
                await self._webhook_task
            except asyncio.CancelledError:
                pass
            self._webhook_task = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``; PTB appends the token."""
        return f"{self._origin}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder.base_file_url``."""
        return f"{self._origin}/file/bot"

    @property
    def _origin(self) -> str:
        if self.port is None:
            raise RuntimeError("call start() first")
        return f"http://127.0.0.1:{self.port}"

    # ---------------------------------------------------------------- test-side API

    def user(self, user_id: int, first_name: str, *, username: str | None = None, language_code: str = "zh-hans",
             last_name: str | None = None) -> SimUser:
        """The user with this id, created on first call (later calls return the same object)."""
        if user_id in self._users:
            return self._users[user_id]
        if user_id <= 0:
            raise ValueError("user ids are positive")
        if user_id == self.bot_id:
            raise ValueError("that id is the bot's own")
        user = SimUser(self, user_id, first_name, username=username, language_code=language_code,
                       last_name=last_name)
        self._users[user_id] = user
        self._chats[user_id] = user.chat
        return user

    def group(self, chat_id: int, title: str, *, type: str = "group") -> SimChat:
        """A group (or supergroup) the bot is a member of; created on first call."""
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if type not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        chat = SimChat(self, chat_id, type, title=title)
        self._chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> SimChat:
        try:
            return self._chats[chat_id]
        except KeyError:
            raise KeyError(f"no chat {chat_id}: create it with sim.user(...) or sim.group(...)") from None

    def file_bytes(self, file_id: str) -> bytes:
        """The content of a file the bot uploaded or a user sent."""
        try:
            return self.files[file_id].content
        except KeyError:
            raise KeyError(f"unknown file_id {file_id!r}") from None

    def calls_of(self, method: str) -> list[ApiCall]:
        """The recorded calls of one method (name case-insensitive)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def get_commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands the bot set for this scope and language (as setMyCommands stored them)."""
        return self.commands.get((self._scope_key(scope or {"type": "default"}), language_code), [])

    @property
    def webhook_url(self) -> str:
        return self._webhook.url if self._webhook else ""

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by the bot."""
        return list(self._updates)

    def fail_next(self, method: str, *, status: int = 500, description: str = "Internal Server Error",
                  times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` with this error instead of executing them."""
        if status == 429:
            retry_after = retry_after or 1
            if description == "Internal Server Error":
                description = f"Too Many Requests: retry after {retry_after}"
        queue = self._faults.setdefault(method.lower(), deque())
        queue.extend(_Fault(status, description, retry_after) for _ in range(times))

    def hang_next(self, method: str, *, times: int = 1) -> None:
        """Leave the next ``times`` calls of ``method`` unanswered until the client gives up (a
        timeout), without carrying them out."""
        queue = self._faults.setdefault(method.lower(), deque())
        queue.extend(_Fault(0, "", None, hang=True) for _ in range(times))

    async def wait_callback_answer(self, query_id: str, timeout: float = 5.0) -> JSONDict:
        """Wait until the bot answered the callback query ``query_id``; returns the answer params."""
        deadline = asyncio.get_running_loop().time() + timeout
        while query_id not in self.callback_answers:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"the bot did not answer callback query {query_id} within {timeout:g}s")
            await self._answers_signal.wait(remaining)
        return self.callback_answers[query_id]

    def transcript(self, chat_id: int | None = None) -> str:
        """Everything that happened (in one chat, or in all chats in time order), human-readable."""
        return "\n".join(entry for cid, entry in self._log if chat_id is None or cid == chat_id)

    def _tail(self, chat_id: int, entries: int = 15) -> str:
        selected = [entry for cid, entry in self._log if cid == chat_id][-entries:]
        return "\n".join(selected) if selected else "(nothing happened in this chat)"

    # ---------------------------------------------------------------- HTTP layer

    async def _handle_unknown_path(self, request: web.Request) -> web.Response:
        return self._json(ApiError(404, "Not Found").payload(), 404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not _TOKEN_RE.fullmatch(token):
            return self._json(ApiError(404, "Not Found").payload(), 404)
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        requested = request.match_info["method"]
        name = self._method_names.get(requested.lower())
        try:
            params = await self._read_params(request)
        except ApiError as error:
            self.calls.append(ApiCall(name or requested, {}, time.time(), error.status, error.description))
            return self._json(error.payload(), error.status)
        call = ApiCall(name or requested, params.recorded(), time.time())
        self.calls.append(call)
        if name is None:
            call.status, call.description = 404, "Not Found"
            return self._json(ApiError(404, "Not Found").payload(), 404)
        try:
            result = await self._execute(name, params)
        except ApiError as error:
            call.status, call.description = error.status, error.description
            return self._json(error.payload(), error.status)
        body: JSONDict = {"ok": True, "result": result}
        if name == "setWebhook":
            body["description"] = "Webhook was set"
        elif name == "deleteWebhook":
            body["description"] = "Webhook was deleted"
        return self._json(body, 200)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        path = request.match_info["path"]
        for sim_file in self.files.values():
            if sim_file.file_path == path:
                return web.Response(body=sim_file.content, content_type="application/octet-stream")
        return self._json(ApiError(404, "Not Found").payload(), 404)

    @staticmethod
    def _json(body: JSONDict, status: int) -> web.Response:
        return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json")

    async def _read_params(self, request: web.Request) -> _Params:
        values: JSONDict = dict(request.query)
        uploads: dict[str, _Upload] = {}
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = json.loads(await request.read() or b"{}")
                except ValueError:
                    raise _bad("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise _bad("JSON object expected")
                values.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge:
                    raise ApiError(413, "Request Entity Too Large") from None
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = _Upload(value.filename, value.file.read(), value.content_type)
                    else:
                        values[key] = value
        transport = request.transport

        def client_gone() -> bool:
            return transport is None or transport.is_closing()

        return _Params(values, uploads, client_gone)

    async def _execute(self, name: str, params: _Params) -> Any:
        faults = self._faults.get(name.lower())
        if faults:
            fault = faults.popleft()
            if fault.hang:
                while not params.client_gone() and not self._closing:
                    await asyncio.sleep(0.05)
                raise ApiError(504, "Gateway Timeout")
            extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            raise ApiError(fault.status, fault.description, extra)
        if name.startswith("send") and self.response_delay > 0:
            await asyncio.sleep(self.response_delay)
        return await self._handlers[name](params)

    # ---------------------------------------------------------------- updates

    def _queue_update(self, kind: str, payload: JSONDict) -> None:
        allowed = self._webhook.allowed_updates if self._webhook else self._allowed_updates
        if allowed:
            if kind not in allowed:
                return
        elif kind in _UPDATE_TYPES_OFF_BY_DEFAULT:
            return
        self._last_update_id += 1
        self._updates.append({"update_id": self._last_update_id, kind: payload})
        self._updates_signal.notify()

    async def _get_updates(self, p: _Params) -> list[JSONDict]:
        if self._webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = p.integer("offset")
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.json("allowed_updates")
        if allowed is not None:
            self._allowed_updates = list(allowed)
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        # Like Telegram, a newer getUpdates call terminates one that is still waiting.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing or p.client_gone():
                return []
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            if self._webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._updates_signal.wait(remaining)

    async def _set_webhook(self, p: _Params) -> bool:
        url = (p.text("url") or "").strip()
        if not url:
            return await self._delete_webhook(p)
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        # A local Bot API server (and so this one) also accepts plain HTTP on any port.
        if scheme not in ("http", "https") or not url.split("://", 1)[1].split("/", 1)[0]:
            raise _bad("bad webhook: Wrong HTTP URL specified")
        secret = p.text("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise _bad("secret token contains unallowed characters")
        max_connections = p.integer("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = p.json("allowed_updates")
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._webhook = _Webhook(url, secret, max_connections,
                                 list(allowed) if allowed is not None else self._allowed_updates)
        self._updates_signal.notify()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_webhooks())
        return True

    async def _delete_webhook(self, p: _Params) -> bool:
        self._webhook = None
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._updates_signal.notify()
        return True

    async def _get_webhook_info(self, p: _Params) -> JSONDict:
        hook = self._webhook
        info: JSONDict = {"url": hook.url if hook else "", "has_custom_certificate": False,
                          "pending_update_count": len(self._updates)}
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def _deliver_webhooks(self) -> None:
        backoff = 0.05
        while not self._closing and self._webhook is not None:
            hook = self._webhook
            if not self._updates or self._http is None:
                await self._updates_signal.wait(1.0)
                continue
            update = self._updates[0]
            headers = {"Content-Type": "application/json"}
            if hook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
            error: str | None = None
            reply = b""
            try:
                async with self._http.post(hook.url, data=json.dumps(update, ensure_ascii=False).encode(),
                                           headers=headers, timeout=aiohttp.ClientTimeout(total=10)) as response:
                    reply = await response.read()
                    if not 200 <= response.status < 300:
                        error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = str(exc) or type(exc).__name__
            if error is None:
                if self._updates and self._updates[0] is update:
                    self._updates.pop(0)
                backoff = 0.05
                await self._run_webhook_reply(reply)
            else:
                hook.last_error_date = int(time.time())
                hook.last_error_message = error
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _run_webhook_reply(self, body: bytes) -> None:
        """A webhook may answer with a method call in its response body; execute it like Telegram."""
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError:
            return
        if not isinstance(data, dict) or not isinstance(data.get("method"), str):
            return
        name = self._method_names.get(data["method"].lower())
        params = _Params({k: v for k, v in data.items() if k != "method"})
        call = ApiCall(name or data["method"], params.recorded(), time.time())
        self.calls.append(call)
        if name is None:
            call.status, call.description = 404, "Not Found"
            return
        try:
            await self._execute(name, params)
        except ApiError as error:
            call.status, call.description = error.status, error.description

    # ---------------------------------------------------------------- user actions

    def _live_message(self, message: SimMessage) -> SimMessage:
        live = self.chat(message.chat_id).get(message.message_id)
        if live.deleted:
            raise AssertionError(f"message #{live.message_id} was deleted")
        return live

    def _join(self, user: SimUser, chat: SimChat) -> None:
        if chat.is_private:
            if chat.id != user.id:
                raise ValueError(f"{user!r} can't write in the private chat of user {chat.id}")
            return
        if chat.members.get(user.id) in (None, "left"):
            chat.members[user.id] = "member"
        if chat.members[user.id] == "kicked":
            raise ValueError(f"{user!r} was banned from {chat.label}")

    def _resolve_reply(self, chat: SimChat, reply_to: SimMessage | int | None) -> int | None:
        if reply_to is None:
            return None
        if isinstance(reply_to, SimMessage):
            if reply_to.chat_id != chat.id:
                raise ValueError("can only reply to a message of the same chat")
            reply_to = reply_to.message_id
        if chat.get(reply_to).deleted:
            raise ValueError(f"message #{reply_to} was deleted")
        return reply_to

    def _bot_receives(self, chat: SimChat, message: SimMessage) -> bool:
        """Who gets what, per Telegram's privacy mode rules for bots in groups."""
        if chat.is_private:
            return True
        if chat.bot_status in ("left", "kicked"):
            return False
        if not self.privacy_mode or chat.bot_status == "administrator":
            return True
        if message.reply_to_message_id is not None and chat.get(message.reply_to_message_id).from_bot:
            return True
        source = message.text if message.text is not None else (message.caption or "")
        for entity in message.entities or message.caption_entities:
            if entity["type"] == "bot_command":
                command = source[entity["offset"] : entity["offset"] + entity["length"]]
                mention = command.partition("@")[2]
                if not mention or mention.lower() == self.username.lower():
                    return True
        return False

    def _user_message(self, user: SimUser, chat: SimChat, *, text: str | None = None, caption: str | None = None,
                      photo: list[JSONDict] | None = None, document: JSONDict | None = None,
                      reply_to: SimMessage | int | None = None,
                      forward_origin: JSONDict | None = None,
                      entities: list[JSONDict] | None = None) -> SimMessage:
        self._join(user, chat)
        message = SimMessage(
            message_id=chat._next_message_id(), chat_id=chat.id, from_bot=False, sender=user.display_name,
            sender_id=user.id, text=text, raw_text=text, date=int(time.time()),
            entities=entities if entities is not None else detect_entities(text) if text else [],
            photo=photo, document=document, caption=caption or None,
            caption_entities=detect_entities(caption) if caption else [],
            reply_to_message_id=self._resolve_reply(chat, reply_to), forward_origin=forward_origin,
        )
        chat.messages.append(message)
        message.delivered = self._bot_receives(chat, message)
        self._log_message(chat, message)
        if message.delivered:
            self._queue_update("message", self._message_dict(message))
        return message

    def _user_edit(self, user: SimUser, message: SimMessage, new_text: str) -> None:
        live = self._live_message(message)
        if live.from_bot or live.sender_id != user.id:
            raise ValueError("users can only edit their own messages")
        if not new_text.strip():
            raise ValueError("an edited message can't be empty")
        chat = self.chat(live.chat_id)
        if live.text is not None:
            live.text = live.raw_text = new_text
            live.entities = detect_entities(new_text)
        else:
            live.caption = new_text
            live.caption_entities = detect_entities(new_text)
        live.edited = True
        live.edit_date = int(time.time())
        self._log_message(chat, live)
        if live.delivered or self._bot_receives(chat, live):
            self._queue_update("edited_message", self._message_dict(live))

    def _user_forward(self, user: SimUser, message: SimMessage, chat: SimChat) -> SimMessage:
        live = self._live_message(message)
        sender = self.bot_user_dict() if live.from_bot else self._users[live.sender_id].to_api()
        origin = {"type": "user", "date": live.date, "sender_user": sender}
        return self._user_message(user, chat, text=live.text, caption=live.caption,
                                  photo=copy.deepcopy(live.photo), document=copy.deepcopy(live.document),
                                  forward_origin=origin, entities=copy.deepcopy(live.entities))

    def _callback_query(self, user: SimUser, message: SimMessage, data: str, *, label: str | None) -> str:
        chat = self.chat(message.chat_id)
        self._join(user, chat)
        query_id = str(secrets.randbits(63))
        self._pending_queries[query_id] = _PendingQuery(chat.id, message.message_id, user.id, data)
        who = self._who(chat, user=user)
        shown = f"按下「{label}」" if label is not None else f"发送回调数据「{data}」（无此按钮）"
        self._log_entry(chat, f"{who} ⟵ {shown}")
        self._queue_update("callback_query", {
            "id": query_id,
            "from": user.to_api(),
            "message": self._message_dict(message),
            "chat_instance": str(abs(chat.id) * 7919 + 13),
            "data": data,
        })
        return query_id

    def _my_chat_member(self, chat: SimChat, by: SimUser | None, old: str, new: str, log: str) -> None:
        self._log_entry(chat, log)
        actor = by.to_api() if by is not None else self.bot_user_dict()
        self._queue_update("my_chat_member", {
            "chat": chat.to_api(),
            "from": actor,
            "date": int(time.time()),
            "old_chat_member": self._member_dict(self.bot_user_dict(), old),
            "new_chat_member": self._member_dict(self.bot_user_dict(), new),
        })

    # ---------------------------------------------------------------- transcript

    def _who(self, chat: SimChat, message: SimMessage | None = None, *, user: SimUser | None = None) -> str:
        if message is not None and message.from_bot:
            return f"🤖 {self.first_name}"
        if user is None:
            assert message is not None
            user = self._users[message.sender_id]
        role = {"creator": "群主 ", "administrator": "管理员 "}.get(chat.members.get(user.id, ""), "")
        return f"{role}{user.display_name}"

    def _log_entry(self, chat: SimChat, entry: str) -> None:
        line = f"[{chat.label}] {entry}"
        self._log.append((chat.id, line))
        if self.on_log is not None:
            self.on_log(line)

    def _log_message(self, chat: SimChat, message: SimMessage) -> None:
        prefix = ""
        if message.edited:
            prefix += "✏️（已编辑）"
        if message.forward_origin is not None:
            origin = message.forward_origin.get("sender_user", {})
            prefix += f"↪️ 转发自 {origin.get('first_name', '?')}: "
        if message.reply_to_message_id is not None:
            try:
                replied = chat.get(message.reply_to_message_id)
                prefix += f"↩️「{_snippet(replied.content)}」 "
            except KeyError:
                pass
        if message.photo is not None:
            body = "📷 照片" + (f" — {message.caption}" if message.caption else "")
        elif message.document is not None:
            body = f"📄 {message.document.get('file_name') or 'file'}" + (
                f" — {message.caption}" if message.caption else "")
        else:
            body = message.text or ""
        lines = (prefix + body).split("\n")
        entry = f"{self._who(chat, message)}: {lines[0]}"
        entry += "".join(f"\n    {line}" for line in lines[1:])
        markup = message.reply_markup or {}
        for row in markup.get("inline_keyboard") or []:
            entry += "\n    " + " ".join(f"[ {b['text']}{' 🔗' if 'url' in b else ''} ]" for b in row)
        for row in markup.get("keyboard") or []:
            labels = [b if isinstance(b, str) else b.get("text", "") for b in row]
            entry += "\n    ⌨️ " + " ".join(f"[ {label} ]" for label in labels)
        if not message.from_bot and not message.delivered:
            absent = chat.bot_status in ("left", "kicked")
            entry += "   🙈 (机器人不在本群，收不到)" if absent else "   🙈 (隐私模式：机器人收不到)"
        self._log_entry(chat, entry)
