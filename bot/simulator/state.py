"""What the simulator remembers and what tests hold: calls, files, messages, chats, users (the
test-side API: `SimUser.send`, `press`, `expect` …), and a request's parameters as read."""

from __future__ import annotations

import asyncio
import copy
import json
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.simulator.protocol import _BOOL_KEYS, _BUTTON_ACTIONS, _INT_KEYS, _JSON_KEYS, JSONDict, _bad

if TYPE_CHECKING:
    from bot.simulator.server import BotApiSimulator


@dataclass
class ApiCall:
    """One request the bot made. ``params`` are normalised to Python types whatever the encoding."""

    method: str
    params: JSONDict
    at: float
    status: int = 200
    description: str | None = None


@dataclass
class SimFile:
    """A file known to the server: uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    kind: str  # photo | document
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    url: str | None = None  # set when the bot sent it by URL

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class SimMessage:
    """A message in a simulated chat, from the bot or from a user.

    For bot messages ``text``/``caption`` are the plain text after parsing HTML;
    ``raw_text`` keeps what the bot sent and ``parse_mode`` how.  Objects in ``SimChat.messages``
    are live (edits change them); what ``expect`` returns is a snapshot taken at the event.
    """

    message_id: int
    chat_id: int
    from_bot: bool
    sender: str
    text: str | None
    date: int
    sender_id: int = 0
    raw_text: str | None = None
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    edited: bool = False
    edit_date: int | None = None
    photo: list[JSONDict] | None = None
    document: JSONDict | None = None
    caption: str | None = None
    caption_entities: list[JSONDict] = field(default_factory=list)
    reply_to_message_id: int | None = None
    forward_origin: JSONDict | None = None
    media_group_id: str | None = None
    deleted: bool = False
    delivered: bool = True  # False: a user message the bot never received (privacy mode)

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard button texts, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[button["text"] for button in row] for row in rows]

    def inline_buttons(self) -> list[JSONDict]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button_data(self, text: str) -> str | None:
        """The callback_data of the inline button labelled ``text`` (None if absent)."""
        for button in self.inline_buttons():
            if button["text"] == text:
                return button.get("callback_data")
        return None

    @property
    def content(self) -> str:
        """Text or caption (plain), plus the document name; what ``expect(contains=...)`` searches."""
        parts = [self.text or "", self.caption or ""]
        if self.document:
            parts.append(self.document.get("file_name") or "")
        return "\n".join(part for part in parts if part)


class _Signal:
    """Wakes every waiter at once; safe to notify from synchronous code on the loop thread."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> None:
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0.0))
        except TimeoutError:
            pass


class SimChat:
    """A private chat (``id`` == the user's id) or a group (negative ``id``) as the test sees it."""

    def __init__(self, sim: BotApiSimulator, chat_id: int, type_: str, *, title: str | None = None,
                 user: SimUser | None = None) -> None:
        self._sim = sim
        self.id = chat_id
        self.type = type_
        self.title = title
        self.user = user  # the other party of a private chat
        self.username: str | None = None
        self.messages: list[SimMessage] = []
        self.members: dict[int, str] = {}  # user id -> member status (groups)
        self.bot_status = "member"  # the bot's own status: member | administrator | left | kicked
        self._last_message_id = 0
        self._events: list[SimMessage] = []
        self._consumed = 0
        self._signal = _Signal()

    def __repr__(self) -> str:
        return f"SimChat(id={self.id}, type={self.type!r}, title={self.title!r}, messages={len(self.messages)})"

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    @property
    def label(self) -> str:
        if self.is_private and self.user is not None:
            return f"私聊 {self.user.display_name}"
        return f"{'频道' if self.type == 'channel' else '群'} {self.title}"

    def add_member(self, user: SimUser, status: str = "member") -> SimChat:
        """Put ``user`` in this group with ``status`` (member | administrator | creator | left | kicked)."""
        if self.is_private:
            raise ValueError("private chats have no members to add")
        self.members[user.id] = status
        return self

    def add_bot(self, by: SimUser, status: str = "member") -> None:
        """``by`` adds the bot to this group: queues the my_chat_member update Telegram sends."""
        self.add_member(by, self.members.get(by.id, "member"))
        old = self.bot_status if self.bot_status in ("left", "kicked") else "left"
        self.bot_status = status
        self._sim._my_chat_member(self, by, old, status, f"⚙️ {by.display_name} 把机器人加入了本群")

    def get(self, message_id: int) -> SimMessage:
        """The live message with this id (KeyError if there is none)."""
        for message in self.messages:
            if message.message_id == message_id:
                return message
        raise KeyError(f"no message #{message_id} in {self.label}")

    def bot_messages(self) -> list[SimMessage]:
        """The bot's messages in this chat that are not deleted, live objects, in order."""
        return [m for m in self.messages if m.from_bot and not m.deleted]

    async def expect(self, contains: str | None = None, *, timeout: float = 5.0) -> SimMessage:
        """The next bot event (new message, or edit with ``edited=True``) not consumed yet.

        With ``contains``, events whose text/caption does not contain it are consumed and skipped.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            while self._consumed < len(self._events):
                event = self._events[self._consumed]
                self._consumed += 1
                if contains is None or contains in event.content:
                    return event
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                wanted = f" containing {contains!r}" if contains is not None else ""
                raise AssertionError(
                    f"no bot message{wanted} in [{self.label}] within {timeout:g}s. Transcript tail:\n"
                    + self._sim._tail(self.id)
                )
            await self._signal.wait(remaining)

    async def expect_none(self, within: float = 0.3) -> None:
        """Assert that the bot sends or edits nothing in this chat for ``within`` seconds."""
        deadline = asyncio.get_running_loop().time() + within
        while self._consumed == len(self._events):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            await self._signal.wait(remaining)
        event = self._events[self._consumed]
        raise AssertionError(
            f"expected no bot message in [{self.label}], but got: {event.content!r}. Transcript tail:\n"
            + self._sim._tail(self.id)
        )

    def drain(self) -> list[SimMessage]:
        """Consume and return all pending bot events."""
        pending = self._events[self._consumed :]
        self._consumed = len(self._events)
        return pending

    # -- internals used by the simulator
    def _next_message_id(self) -> int:
        self._last_message_id += 1
        return self._last_message_id

    def _push_event(self, message: SimMessage) -> None:
        self._events.append(copy.deepcopy(message))
        self._signal.notify()

    def to_api(self) -> JSONDict:
        if self.is_private and self.user is not None:
            data: JSONDict = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


class SimUser:
    """A person using the bot. Actions queue updates the bot receives through getUpdates/webhook."""

    def __init__(self, sim: BotApiSimulator, user_id: int, first_name: str, *, username: str | None,
                 language_code: str, last_name: str | None) -> None:
        self._sim = sim
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.chat = SimChat(sim, user_id, "private", user=self)

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.first_name!r}, username={self.username!r})"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def send(self, text: str, *, chat: SimChat | None = None,
             reply_to: SimMessage | int | None = None) -> SimMessage:
        """Write ``text`` (to the bot privately, or in ``chat``); commands get bot_command entities."""
        if not text.strip():
            raise ValueError("Telegram clients can't send an empty message")
        return self._sim._user_message(self, chat or self.chat, text=text, reply_to=reply_to)

    def send_photo(self, *, caption: str | None = None, chat: SimChat | None = None,
                   reply_to: SimMessage | int | None = None) -> SimMessage:
        """Send a picture (a small generated PNG, downloadable through getFile)."""
        return self._sim._user_message(self, chat or self.chat, caption=caption, reply_to=reply_to,
                                       photo=self._sim._user_photo())

    def send_document(self, filename: str, content: bytes, *, caption: str | None = None,
                      mime_type: str | None = None, chat: SimChat | None = None,
                      reply_to: SimMessage | int | None = None) -> SimMessage:
        """Send a file; the bot can download ``content`` through getFile + the file URL."""
        if not content:
            raise ValueError("Telegram clients can't send an empty file")
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        sim_file = self._sim._register_file("document", content, file_name=filename, mime_type=mime)
        return self._sim._user_message(self, chat or self.chat, caption=caption, reply_to=reply_to,
                                       document=self._sim._document_dict(sim_file))

    def press(self, message: SimMessage, button: str) -> str:
        """Press the inline button whose text or callback_data is ``button``; returns the query id."""
        live = self._sim._live_message(message)
        if not live.from_bot:
            raise AssertionError("only the bot's messages carry inline buttons")
        for candidate in live.inline_buttons():
            if button in (candidate["text"], candidate.get("callback_data")):
                if "callback_data" not in candidate:
                    kinds = [k for k in _BUTTON_ACTIONS if k in candidate]
                    raise AssertionError(
                        f"button {candidate['text']!r} is a {'/'.join(kinds)} button: it opens something in the "
                        "client and sends the bot no callback query"
                    )
                return self._sim._callback_query(self, live, candidate["callback_data"], label=candidate["text"])
        available = [f"{b['text']!r} ({b.get('callback_data') or b.get('url') or '?'})" for b in live.inline_buttons()]
        raise AssertionError(
            f"no button {button!r} on message #{live.message_id} in {self._sim.chat(live.chat_id).label}; "
            f"available: {', '.join(available) or 'none'}"
        )

    def press_data(self, message: SimMessage, data: str) -> str:
        """Send a callback query with arbitrary ``data`` for ``message`` (forged/stale buttons)."""
        live = self._sim._live_message(message)
        return self._sim._callback_query(self, live, data, label=None)

    def edit(self, message: SimMessage, new_text: str) -> None:
        """Edit one of this user's text messages: queues an ``edited_message`` update."""
        self._sim._user_edit(self, message, new_text)

    def forward(self, message: SimMessage, *, chat: SimChat | None = None) -> SimMessage:
        """Forward ``message`` (default: to the private chat with the bot)."""
        return self._sim._user_forward(self, message, chat or self.chat)

    def block(self) -> None:
        """Block the bot: later sends to this user get 403, and the bot gets a my_chat_member update."""
        self._sim.forbidden_chats.add(self.id)
        self._sim._my_chat_member(self.chat, self, "member", "kicked", f"⚙️ {self.display_name} 屏蔽了机器人")

    def unblock(self) -> None:
        self._sim.forbidden_chats.discard(self.id)
        self._sim._my_chat_member(self.chat, self, "kicked", "member", f"⚙️ {self.display_name} 解除了屏蔽")

    async def expect(self, contains: str | None = None, *, timeout: float = 5.0) -> SimMessage:
        return await self.chat.expect(contains, timeout=timeout)

    async def expect_none(self, within: float = 0.3) -> None:
        await self.chat.expect_none(within)

    def drain(self) -> list[SimMessage]:
        return self.chat.drain()


@dataclass
class _Upload:
    filename: str | None
    content: bytes
    content_type: str | None


class _Params:
    """Request parameters, whichever way they were encoded (form strings, JSON, query)."""

    def __init__(self, values: JSONDict, uploads: dict[str, _Upload] | None = None,
                 client_gone: Callable[[], bool] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}
        self.client_gone = client_gone or (lambda: False)

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None or name in self.uploads

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            raise _bad(f'field "{name}" must be of type String')
        return str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise _bad(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise _bad(f'field "{name}" must be a valid Number')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        raise _bad(f'field "{name}" must be a valid Number')

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(f'field "{name}" must be a valid Number') from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, what: str | None = None) -> Any:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {what or name} JSON object") from None
        return value

    def recorded(self) -> JSONDict:
        """The parameters as the test sees them in ``ApiCall.params``."""
        result: JSONDict = {}
        for key, value in self.values.items():
            if isinstance(value, str):
                if key in _JSON_KEYS:
                    try:
                        value = json.loads(value)
                    except ValueError:
                        pass
                elif key in _INT_KEYS and re.fullmatch(r"-?\d+", value):
                    value = int(value)
                elif key in _BOOL_KEYS and value in ("true", "false"):
                    value = value == "true"
            result[key] = value
        for key, upload in self.uploads.items():
            result[key] = {"upload": upload.filename, "size": len(upload.content), "mime_type": upload.content_type}
        return result


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    hang: bool = False  # never answer: the client times out, and the call is not carried out


@dataclass
class _PendingQuery:
    chat_id: int
    message_id: int
    user_id: int
    data: str
