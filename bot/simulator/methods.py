"""The Bot API methods, one coroutine each: bot settings, sending, editing and deleting, files and chats."""

from __future__ import annotations

import copy
import json
import math
import mimetypes
import re
import secrets
import time
from collections import deque
from typing import Any

import aiohttp

from bot.simulator.formatting import _finish_text, _normalize_url, parse_html
from bot.simulator.media import _image_size, make_png
from bot.simulator.protocol import (
    _BOT_COMMAND_RE,
    _BUTTON_ACTIONS,
    _CHAT_ACTIONS,
    _COMMAND_SCOPES,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_MESSAGE_LENGTH,
    ApiError,
    JSONDict,
    _bad,
    _snippet,
    _too_many_requests,
)
from bot.simulator.state import SimChat, SimFile, SimMessage, _Params


class BotApiMethods:
    """The Bot API methods the simulator answers (`_handlers` in BotApiSimulator maps each name here),
    with the checks Telegram makes. A mixin: the state lives in BotApiSimulator."""

    # ---------------------------------------------------------------- bot settings

    async def _true(self, p: _Params) -> bool:
        return True

    def bot_user_dict(self) -> JSONDict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    async def _get_me(self, p: _Params) -> JSONDict:
        return {
            **self.bot_user_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _scope_key(self, scope: Any) -> str:
        if not isinstance(scope, dict) or scope.get("type") not in _COMMAND_SCOPES:
            raise _bad("can't parse BotCommandScope JSON object")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            self._chat_from(scope.get("chat_id"))
            if scope["type"] == "chat_member" and scope.get("user_id") not in self._users:
                raise _bad("user not found")
        return json.dumps(scope, sort_keys=True, ensure_ascii=False)

    def _commands_key(self, p: _Params) -> tuple[str, str]:
        scope = p.json("scope", "BotCommandScope") or {"type": "default"}
        language = p.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return self._scope_key(scope), language

    async def _set_my_commands(self, p: _Params) -> bool:
        commands = p.json("commands", "BotCommand array")
        if commands is None:
            raise _bad("parameter \"commands\" is required")
        if not isinstance(commands, list):
            raise _bad("can't parse BotCommand array JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict) or not isinstance(command.get("command"), str):
                raise _bad("can't parse BotCommand JSON object")
            if not _BOT_COMMAND_RE.fullmatch(command["command"]):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command["command"], "description": description})
        self.commands[self._commands_key(p)] = cleaned
        return True

    async def _get_my_commands(self, p: _Params) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(p), []))

    async def _delete_my_commands(self, p: _Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _set_chat_menu_button(self, p: _Params) -> bool:
        chat_id = self._chat_from(p.values["chat_id"]).id if p.has("chat_id") else None
        button = p.json("menu_button", "MenuButton") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise _bad("can't parse MenuButton JSON object")
        if button["type"] == "web_app" and not (isinstance(button.get("text"), str)
                                                and isinstance(button.get("web_app"), dict)):
            raise _bad("can't parse MenuButton JSON object")
        if button["type"] == "default":
            self.menu_buttons.pop(chat_id, None)
        else:
            self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, p: _Params) -> JSONDict:
        if p.has("chat_id"):
            chat = self._chat_from(p.values["chat_id"])
            if chat.id in self.menu_buttons:
                return self.menu_buttons[chat.id]
        return self.menu_buttons.get(None, {"type": "commands"})

    def _set_text_setting(self, p: _Params, store: dict[str, str], key: str, limit: int) -> bool:
        value = p.text(key) or ""
        if len(value) > limit:
            raise _bad(f"{key.replace('_', ' ')} is too long")
        language = p.text("language_code") or ""
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    def _get_text_setting(self, p: _Params, store: dict[str, str], key: str) -> JSONDict:
        language = p.text("language_code") or ""
        return {key: store.get(language, store.get("", ""))}

    async def _set_my_description(self, p: _Params) -> bool:
        return self._set_text_setting(p, self.descriptions, "description", 512)

    async def _get_my_description(self, p: _Params) -> JSONDict:
        return self._get_text_setting(p, self.descriptions, "description")

    async def _set_my_short_description(self, p: _Params) -> bool:
        return self._set_text_setting(p, self.short_descriptions, "short_description", 120)

    async def _get_my_short_description(self, p: _Params) -> JSONDict:
        return self._get_text_setting(p, self.short_descriptions, "short_description")

    async def _set_my_name(self, p: _Params) -> bool:
        return self._set_text_setting(p, self.names, "name", 64)

    async def _get_my_name(self, p: _Params) -> JSONDict:
        result = self._get_text_setting(p, self.names, "name")
        return {"name": result["name"] or self.first_name}

    # ---------------------------------------------------------------- chats and checks

    def _chat_from(self, value: Any) -> SimChat:
        if value is None or value == "":
            raise _bad("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == value[1:].lower():
                    return chat
            raise _bad("chat not found")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_can_write(self, chat: SimChat) -> None:
        if chat.id in self.forbidden_chats:
            if chat.is_private:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat.bot_status == "kicked":
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat.bot_status == "left":
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")

    def _check_rate_limits(self, chat: SimChat) -> None:
        now = time.monotonic()
        while self._global_sends and now - self._global_sends[0] >= 1.0:
            self._global_sends.popleft()
        if self.rate_limit_per_second is not None and len(self._global_sends) >= self.rate_limit_per_second:
            self.too_many_requests += 1
            raise _too_many_requests(max(1, math.ceil(self._global_sends[0] + 1.0 - now)))
        group_window: deque[float] | None = None
        if chat.id < 0:
            group_window = self._group_sends.setdefault(chat.id, deque())
            while group_window and now - group_window[0] >= 60.0:
                group_window.popleft()
            limit = self.group_rate_limit_per_minute
            if limit is not None and len(group_window) >= limit:
                self.too_many_requests += 1
                raise _too_many_requests(max(1, math.ceil(group_window[0] + 60.0 - now)))
            group_window.append(now)
        self._global_sends.append(now)

    def _send_target(self, p: _Params) -> SimChat:
        chat = self._chat_from(p.values.get("chat_id"))
        self._check_rate_limits(chat)
        self._check_can_write(chat)
        return chat

    def _reply_target(self, p: _Params, chat: SimChat) -> int | None:
        parameters = p.json("reply_parameters", "ReplyParameters")
        if parameters is not None:
            if not isinstance(parameters, dict) or "message_id" not in parameters:
                raise _bad("can't parse ReplyParameters JSON object")
            message_id = parameters["message_id"]
            allow_missing = bool(parameters.get("allow_sending_without_reply"))
            target_chat = self._chat_from(parameters["chat_id"]) if "chat_id" in parameters else chat
        else:
            message_id = p.integer("reply_to_message_id")
            allow_missing = p.flag("allow_sending_without_reply")
            target_chat = chat
        if message_id is None:
            return None
        try:
            found = target_chat.get(int(message_id))
        except (KeyError, ValueError):
            found = None
        if found is None or found.deleted:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return found.message_id if target_chat is chat else None

    def _reply_markup(self, p: _Params, *, inline_only: bool = False) -> JSONDict | None:
        markup = p.json("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad("can't parse inline keyboard button: Field \"inline_keyboard\" must be of type Array")
            cleaned = [[self._inline_button(button) for button in row] for row in rows]
            cleaned = [row for row in cleaned if row]
            if sum(len(row) for row in cleaned) > 100:
                raise _bad("reply markup is too long")
            return {"inline_keyboard": cleaned} if cleaned else None
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad("can't parse keyboard button: Field \"keyboard\" must be of type Array")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else (button or {}).get("text")
                    if not isinstance(text, str) or not text:
                        raise _bad("can't parse keyboard button: Field \"text\" must be of type String")
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _inline_button(button: Any) -> JSONDict:
        if not isinstance(button, dict):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        text = button.get("text")
        if not isinstance(text, str):
            raise _bad("can't parse inline keyboard button: Field \"text\" must be of type String")
        if not text.strip():
            raise _bad("BUTTON_TEXT_INVALID")
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must have exactly one "
                       "optional field")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or _normalize_url(url) is None:
                raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        return dict(button)

    def _format(self, raw: str, parse_mode: str | None, entities: Any, *,
                caption: bool) -> tuple[str, list[JSONDict]]:
        if entities is not None:
            if not isinstance(entities, list) or not all(
                isinstance(e, dict) and isinstance(e.get("type"), str) and isinstance(e.get("offset"), int)
                and isinstance(e.get("length"), int) for e in entities
            ):
                raise _bad("can't parse entities JSON object")
            text, parsed = raw, [dict(e) for e in entities]
        elif parse_mode:
            if parse_mode.lower() != "html":  # the bot sends HTML only: Markdown here is a bug to catch
                raise _bad("unsupported parse_mode")
            text, parsed = parse_html(raw)
        else:
            text, parsed = raw, []
        text, parsed = _finish_text(text, parsed)
        for entity in parsed:
            match = re.fullmatch(r"tg://user\?id=(\d+)", entity.get("url", ""))
            if entity["type"] == "text_link" and match and int(match.group(1)) in self._users:
                entity.pop("url")
                entity["type"] = "text_mention"
                entity["user"] = self._users[int(match.group(1))].to_api()
        if caption and len(text) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        if not caption and len(text) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        return text, parsed

    # ---------------------------------------------------------------- message building

    def _sender_dict(self, message: SimMessage) -> JSONDict:
        if message.from_bot:
            return self.bot_user_dict()
        return self._users[message.sender_id].to_api()

    def _message_dict(self, message: SimMessage, *, with_reply: bool = True) -> JSONDict:
        chat = self.chat(message.chat_id)
        data: JSONDict = {
            "message_id": message.message_id,
            "from": self._sender_dict(message),
            "chat": chat.to_api(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.forward_origin is not None:
            data["forward_origin"] = message.forward_origin
        if message.media_group_id is not None:
            data["media_group_id"] = message.media_group_id
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.photo is not None:
            data["photo"] = message.photo
        if message.document is not None:
            data["document"] = message.document
        if message.caption:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if with_reply and message.reply_to_message_id is not None:
            try:
                data["reply_to_message"] = self._message_dict(chat.get(message.reply_to_message_id),
                                                              with_reply=False)
            except KeyError:
                pass
        return copy.deepcopy(data)

    def _new_bot_message(self, chat: SimChat, **fields: Any) -> SimMessage:
        message = SimMessage(message_id=chat._next_message_id(), chat_id=chat.id, from_bot=True,
                             sender=self.first_name, sender_id=self.bot_id, date=int(time.time()), **fields)
        chat.messages.append(message)
        chat._push_event(message)
        self._log_message(chat, message)
        return message

    def _register_file(self, kind: str, content: bytes, *, file_name: str | None = None,
                       mime_type: str | None = None, width: int | None = None,
                       height: int | None = None) -> SimFile:
        self._file_counter += 1
        number = self._file_counter
        prefix = {"photo": "AgACAgUAAxkBAA", "document": "BQACAgUAAxkBAA"}[kind]
        if kind == "photo":
            path = f"photos/file_{number}.jpg"
        else:
            suffix = ""
            if file_name and "." in file_name:
                suffix = "." + re.sub(r"[^A-Za-z0-9]", "", file_name.rsplit(".", 1)[1])[:10]
            path = f"documents/file_{number}{suffix}"
        sim_file = SimFile(
            file_id=f"{prefix}{number:04d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AQAD{number:04d}{secrets.token_urlsafe(6)}",
            kind=kind, content=content, file_path=path, file_name=file_name, mime_type=mime_type,
            width=width, height=height,
        )
        self.files[sim_file.file_id] = sim_file
        return sim_file

    def _photo_sizes(self, content: bytes, width: int, height: int) -> list[JSONDict]:
        """Telegram stores several sizes of every photo; the last one is the biggest."""
        sizes: list[JSONDict] = []
        longest = max(width, height, 1)
        for limit in (90, 320, 800):
            if limit < longest:
                scale = limit / longest
                sizes.append(self._photo_size(content, max(1, round(width * scale)), max(1, round(height * scale))))
        sizes.append(self._photo_size(content, width, height))
        return sizes

    def _photo_size(self, content: bytes, width: int, height: int) -> JSONDict:
        sim_file = self._register_file("photo", content, width=width, height=height, mime_type="image/jpeg")
        return {"file_id": sim_file.file_id, "file_unique_id": sim_file.file_unique_id,
                "file_size": sim_file.size, "width": width, "height": height}

    def _user_photo(self) -> list[JSONDict]:
        shade = self._file_counter * 37 % 256
        return self._photo_sizes(make_png(640, 480, (shade, 120, 255 - shade)), 640, 480)

    @staticmethod
    def _document_dict(sim_file: SimFile) -> JSONDict:
        data: JSONDict = {"file_id": sim_file.file_id, "file_unique_id": sim_file.file_unique_id,
                          "file_size": sim_file.size}
        if sim_file.file_name:
            data["file_name"] = sim_file.file_name
        if sim_file.mime_type:
            data["mime_type"] = sim_file.mime_type
        return data

    async def _input_file(self, p: _Params, name: str, kind: str, *, in_media: bool = False,
                          value: Any = None) -> SimFile:
        """Resolve an InputFile: an upload, attach://<part>, a file_id or an HTTP URL.

        ``in_media``: ``value`` comes from an InputMedia object rather than from parameter ``name``.
        """
        upload = None if in_media else p.uploads.get(name)
        if not in_media:
            value = p.values.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = p.uploads.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"there is no {kind} in the request")
        if upload is not None:
            if not upload.content:
                raise _bad("file must be non-empty")
            return self._store_upload(kind, upload.content, upload.filename, upload.content_type)
        if not isinstance(value, str) or not value.strip():
            raise _bad(f"there is no {kind} in the request")
        value = value.strip()
        if re.match(r"https?://", value, re.IGNORECASE):
            content = await self._fetch(value)
            filename = value.rsplit("/", 1)[-1].split("?", 1)[0] or "file"
            sim_file = self._store_upload(kind, content, filename, None)
            sim_file.url = value
            return sim_file
        sim_file = self.files.get(value)
        if sim_file is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if sim_file.kind != kind:
            raise _bad(f"can't use file of type {sim_file.kind.capitalize()} as {kind.capitalize()}")
        return sim_file

    def _store_upload(self, kind: str, content: bytes, filename: str | None, content_type: str | None) -> SimFile:
        if kind == "photo":
            size = _image_size(content)
            if size is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            if size[0] + size[1] > 10000 or max(size) > 20 * min(size):
                raise _bad("PHOTO_INVALID_DIMENSIONS")
            if len(content) > 10 * 1024 * 1024:
                raise _bad("PHOTO_SAVE_FILE_INVALID")
            return self._register_file("photo", content, width=size[0], height=size[1], mime_type="image/jpeg")
        mime = (mimetypes.guess_type(filename)[0] if filename else None) or content_type or "application/octet-stream"
        return self._register_file("document", content, file_name=filename, mime_type=mime)

    async def _fetch(self, url: str) -> bytes:
        if self._http is None:
            raise _bad("failed to get HTTP URL content")
        try:
            async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                if response.status != 200:
                    raise _bad("failed to get HTTP URL content")
                return await response.read()
        except (aiohttp.ClientError, OSError, TimeoutError):
            raise _bad("failed to get HTTP URL content") from None

    # ---------------------------------------------------------------- sending

    async def _send_message(self, p: _Params) -> JSONDict:
        chat = self._send_target(p)
        raw = p.text("text")
        if raw is None or not raw.strip():
            raise _bad("message text is empty")
        parse_mode = p.text("parse_mode")
        text, entities = self._format(raw, parse_mode, p.json("entities"), caption=False)
        if not text:
            raise _bad("message text is empty")
        markup = self._reply_markup(p)
        reply_to = self._reply_target(p, chat)
        message = self._new_bot_message(chat, text=text, raw_text=raw, parse_mode=parse_mode, entities=entities,
                                        reply_markup=markup, reply_to_message_id=reply_to)
        return self._message_dict(message)

    def _caption(self, p: _Params, caption_key: str = "caption",
                 source: JSONDict | None = None) -> tuple[str | None, list[JSONDict], str | None]:
        values = source if source is not None else p.values
        raw = values.get(caption_key)
        parse_mode = values.get("parse_mode")
        if raw is None or raw == "":
            return None, [], parse_mode
        entities = values.get("caption_entities")
        if isinstance(entities, str):
            entities = _Params({"e": entities}).json("e", "caption entities")
        text, parsed = self._format(str(raw), parse_mode, entities, caption=True)
        return text or None, parsed, parse_mode

    async def _send_photo(self, p: _Params) -> JSONDict:
        chat = self._send_target(p)
        caption, caption_entities, parse_mode = self._caption(p)
        markup = self._reply_markup(p)
        reply_to = self._reply_target(p, chat)
        sim_file = await self._input_file(p, "photo", "photo")
        photo = self._photo_sizes(sim_file.content, sim_file.width or 1280, sim_file.height or 720)
        message = self._new_bot_message(chat, text=None, photo=photo, caption=caption,
                                        raw_text=p.text("caption"), caption_entities=caption_entities,
                                        parse_mode=parse_mode, reply_markup=markup, reply_to_message_id=reply_to)
        return self._message_dict(message)

    async def _send_document(self, p: _Params) -> JSONDict:
        chat = self._send_target(p)
        caption, caption_entities, parse_mode = self._caption(p)
        markup = self._reply_markup(p)
        reply_to = self._reply_target(p, chat)
        sim_file = await self._input_file(p, "document", "document")
        message = self._new_bot_message(chat, text=None, document=self._document_dict(sim_file), caption=caption,
                                        raw_text=p.text("caption"), caption_entities=caption_entities,
                                        parse_mode=parse_mode, reply_markup=markup, reply_to_message_id=reply_to)
        return self._message_dict(message)

    async def _send_media_group(self, p: _Params) -> list[JSONDict]:
        chat = self._send_target(p)
        media = p.json("media", "media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad("wrong number of media in the album: must be between 2 and 10")
        kinds = set()
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
                raise _bad("can't parse InputMedia JSON object")
            if item["type"] in ("video", "audio"):
                raise _bad(f"the simulator does not support {item['type']} media")
            kinds.add(item["type"])
        if len(kinds) > 1:
            raise _bad("document can't be mixed with other media types")
        reply_to = self._reply_target(p, chat)
        prepared = []
        for item in media:
            caption, caption_entities, parse_mode = self._caption(p, source=item)
            sim_file = await self._input_file(p, "media", item["type"], in_media=True, value=item.get("media"))
            prepared.append((item, sim_file, caption, caption_entities, parse_mode))
        self._media_group_counter += 1
        group_id = f"{13_000_000_000_000_000 + self._media_group_counter}"
        results = []
        for item, sim_file, caption, caption_entities, parse_mode in prepared:
            fields: JSONDict = {"caption": caption, "caption_entities": caption_entities, "parse_mode": parse_mode,
                                "raw_text": item.get("caption"), "media_group_id": group_id,
                                "reply_to_message_id": reply_to}
            if item["type"] == "photo":
                fields["photo"] = self._photo_sizes(sim_file.content, sim_file.width or 1280, sim_file.height or 720)
            else:
                fields["document"] = self._document_dict(sim_file)
            results.append(self._message_dict(self._new_bot_message(chat, text=None, **fields)))
        return results

    async def _send_chat_action(self, p: _Params) -> bool:
        chat = self._chat_from(p.values.get("chat_id"))
        self._check_can_write(chat)
        if p.text("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    # ---------------------------------------------------------------- editing and deleting

    def _editable(self, p: _Params) -> tuple[SimChat, SimMessage]:
        if p.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat_from(p.values.get("chat_id"))
        message_id = p.integer("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        self._check_can_write(chat)
        try:
            message = chat.get(message_id)
        except KeyError:
            raise _bad("message to edit not found") from None
        if message.deleted:
            raise _bad("message to edit not found")
        if not message.from_bot:
            raise _bad("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: SimChat, message: SimMessage, **changes: Any) -> JSONDict:
        for key, value in changes.items():
            setattr(message, key, value)
        message.edited = True
        message.edit_date = int(time.time())
        chat._push_event(message)
        self._log_message(chat, message)
        return self._message_dict(message)

    @staticmethod
    def _not_modified() -> ApiError:
        return _bad("message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message")

    async def _edit_message_text(self, p: _Params) -> JSONDict:
        chat, message = self._editable(p)
        raw = p.text("text")
        if raw is None or not raw.strip():
            raise _bad("message text is empty")
        if message.text is None:
            raise _bad("there is no text in the message to edit")
        parse_mode = p.text("parse_mode")
        text, entities = self._format(raw, parse_mode, p.json("entities"), caption=False)
        if not text:
            raise _bad("message text is empty")
        # Omitting reply_markup removes the inline keyboard, as in the real API.
        markup = self._reply_markup(p, inline_only=True)
        if text == message.text and entities == message.entities and markup == message.reply_markup:
            raise self._not_modified()
        return self._apply_edit(chat, message, text=text, raw_text=raw, parse_mode=parse_mode, entities=entities,
                                reply_markup=markup)

    async def _edit_message_caption(self, p: _Params) -> JSONDict:
        chat, message = self._editable(p)
        if message.photo is None and message.document is None:
            raise _bad("there is no caption in the message to edit")
        caption, caption_entities, parse_mode = self._caption(p)
        markup = self._reply_markup(p, inline_only=True)
        if (caption == message.caption and caption_entities == message.caption_entities
                and markup == message.reply_markup):
            raise self._not_modified()
        return self._apply_edit(chat, message, caption=caption, caption_entities=caption_entities,
                                raw_text=p.text("caption"), parse_mode=parse_mode, reply_markup=markup)

    async def _edit_message_reply_markup(self, p: _Params) -> JSONDict:
        chat, message = self._editable(p)
        markup = self._reply_markup(p, inline_only=True)
        if markup == message.reply_markup:
            raise self._not_modified()
        return self._apply_edit(chat, message, reply_markup=markup)

    def _delete(self, chat: SimChat, message_id: int) -> None:
        try:
            message = chat.get(message_id)
        except KeyError:
            raise _bad("message to delete not found") from None
        if message.deleted:
            raise _bad("message to delete not found")
        if not message.from_bot and not chat.is_private and chat.bot_status != "administrator":
            raise _bad("message can't be deleted")
        if time.time() - message.date > 48 * 3600:
            raise _bad("message can't be deleted")
        message.deleted = True
        who = self._who(chat, message)
        self._log_entry(chat, f"{who}: 🗑️ 删除了消息「{_snippet(message.content)}」" if message.from_bot
                        else f"🤖 {self.first_name}: 🗑️ 删除了 {who} 的消息「{_snippet(message.content)}」")

    async def _delete_message(self, p: _Params) -> bool:
        chat = self._chat_from(p.values.get("chat_id"))
        message_id = p.integer("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        self._delete(chat, message_id)
        return True

    async def _delete_messages(self, p: _Params) -> bool:
        chat = self._chat_from(p.values.get("chat_id"))
        ids = p.json("message_ids", "message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message identifiers are not specified")
        for message_id in ids:
            try:
                self._delete(chat, int(message_id))
            except ApiError:
                pass  # deleteMessages skips messages it can't delete
        return True

    async def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.text("callback_query_id")
        if not query_id:
            raise _bad("callback_query_id is empty")
        query = self._pending_queries.pop(query_id, None)
        if query is None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = p.text("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        if p.has("url"):
            raise _bad("URL_INVALID")  # only allowed for games, which this bot does not have
        self.callback_answers[query_id] = p.recorded()
        if text:
            chat = self.chat(query.chat_id)
            kind = "弹窗" if p.flag("show_alert") else "提示"
            self._log_entry(chat, f"🤖 {self.first_name} ⟶ {kind}「{text}」")
        self._answers_signal.notify()
        return True

    # ---------------------------------------------------------------- files and chats

    async def _get_file(self, p: _Params) -> JSONDict:
        file_id = p.text("file_id")
        if not file_id:
            raise _bad("file_id is empty")
        sim_file = self.files.get(file_id.strip())
        if sim_file is None:
            raise _bad("invalid file_id")
        if sim_file.size > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return {"file_id": sim_file.file_id, "file_unique_id": sim_file.file_unique_id,
                "file_size": sim_file.size, "file_path": sim_file.file_path}

    async def _get_chat(self, p: _Params) -> JSONDict:
        chat = self._chat_from(p.values.get("chat_id"))
        if chat.bot_status in ("left", "kicked"):
            raise _bad("chat not found")
        info = chat.to_api()
        info.update({
            "accent_color_id": abs(chat.id) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": True, "limited_gifts": True, "unique_gifts": True,
                                    "premium_subscription": True, "gifts_from_channels": True},
        })
        if not chat.is_private:
            info["permissions"] = {"can_send_messages": True}
        return info

    def _member_dict(self, user: JSONDict, status: str) -> JSONDict:
        data: JSONDict = {"status": status, "user": user}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update({
                "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
                "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
                "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
                "can_pin_messages": True,
            })
        elif status == "kicked":
            data["until_date"] = 0
        return data

    async def _get_chat_member(self, p: _Params) -> JSONDict:
        chat = self._chat_from(p.values.get("chat_id"))
        user_id = p.integer("user_id", required=True)
        if user_id == self.bot_id:
            status = "kicked" if chat.is_private and chat.id in self.forbidden_chats else chat.bot_status
            return self._member_dict(self.bot_user_dict(), status)
        user = self._users.get(user_id or 0)
        if user is None:
            raise _bad("user not found")
        if chat.is_private:
            if user_id != chat.id:
                raise _bad("user not found")
            return self._member_dict(user.to_api(), "member")
        return self._member_dict(user.to_api(), chat.members.get(user.id, "left"))

    async def _get_chat_administrators(self, p: _Params) -> list[JSONDict]:
        chat = self._chat_from(p.values.get("chat_id"))
        if chat.is_private:
            raise _bad("there are no administrators in the private chat")
        admins = [self._member_dict(self._users[uid].to_api(), status) for uid, status in chat.members.items()
                  if status in ("creator", "administrator")]
        if chat.bot_status == "administrator":
            admins.append(self._member_dict(self.bot_user_dict(), "administrator"))
        return admins

    async def _get_chat_member_count(self, p: _Params) -> int:
        chat = self._chat_from(p.values.get("chat_id"))
        if chat.is_private:
            return 2
        present = sum(1 for status in chat.members.values() if status not in ("left", "kicked"))
        return present + (chat.bot_status not in ("left", "kicked"))

    async def _leave_chat(self, p: _Params) -> bool:
        chat = self._chat_from(p.values.get("chat_id"))
        if chat.is_private:
            raise _bad("chat member status can't be changed in private chats")
        if chat.bot_status in ("left", "kicked"):
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        old = chat.bot_status
        chat.bot_status = "left"
        self._my_chat_member(chat, None, old, "left", "⚙️ 机器人退出了本群")
        return True
