"""INTERACTION_CREATE payloads (slash commands, autocomplete, button clicks) and what became of each.

An `Exchange` follows one interaction from the moment its event left the gateway: when the callback
arrived, when the member could first SEE an answer (a message, an update, autocomplete choices, a
modal, or the followup that replaced a "thinking..." defer) and how many REST calls it took.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from tests.bench.standin import payloads as p

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Callback types (https://discord.com/developers/docs/interactions/receiving-and-responding)
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9

# Option types of the slash commands the harness sends.
STRING, INTEGER, BOOLEAN, SUB_COMMAND = 3, 4, 5, 1


@dataclass
class Exchange:
    id: int
    token: str
    kind: int
    guild_id: int | None
    channel_id: int
    user: dict
    name: str  # command name, or the clicked custom_id
    source_message_id: int | None = None
    sent_at: float = 0.0  # time.perf_counter() just before the gateway send
    callback_at: float | None = None
    callback_type: int | None = None
    visible_at: float | None = None
    reply: dict | list | None = None  # the message (or choices / modal) the member saw first
    message_id: int | None = None  # the interaction's original response message
    loading: bool = False  # deferred with "thinking...": the first followup edits that message
    rest_calls: int = 0
    statuses: list[int] = field(default_factory=list)
    expired: bool = False  # the callback came after Discord's 3 seconds
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def show(self, at: float, reply) -> None:
        """The member sees an answer now (only the first one counts for latency)."""
        if self.visible_at is None:
            self.visible_at = at
            self.reply = reply
            self.done.set()

    def fail(self) -> None:
        self.done.set()

    @property
    def latency_ms(self) -> float | None:
        return None if self.visible_at is None else (self.visible_at - self.sent_at) * 1000

    @property
    def callback_ms(self) -> float | None:
        return None if self.callback_at is None else (self.callback_at - self.sent_at) * 1000

    async def wait(self, within: float) -> bool:
        try:
            await asyncio.wait_for(self.done.wait(), within)
        except TimeoutError:
            return False
        return self.visible_at is not None


class InteractionFactory:
    """Builds interactions the way Discord sends them to a bot in a guild."""

    def __init__(self, ids: p.Snowflakes, app_id: int) -> None:
        self.ids = ids
        self.app_id = app_id
        self.command_ids: dict[str, int] = {}
        self._users: dict[int, dict] = {}

    def user(self, user_id: int) -> dict:
        data = self._users.get(user_id)
        if data is None:
            data = self._users[user_id] = p.user(user_id, f"student_{user_id % 100_000}")
        return data

    def _base(
        self, kind: int, guild: p.Guild, channel_id: int, user_id: int, *, teacher: bool
    ) -> tuple[dict, Exchange]:
        iid = self.ids()
        token = p.interaction_token(iid)
        role = guild.teacher_role if teacher else guild.student_role
        perms = p.TEACHER_PERMS if teacher else p.EVERYONE_PERMS
        user = self.user(user_id)
        data = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": guild.channel_payload(channel_id),
            "member": p.member(user, [role], permissions=perms),
            "app_permissions": str(p.BOT_PERMS | p.USE_APP_COMMANDS | p.READ_HISTORY | p.ADD_REACTIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        }
        exchange = Exchange(iid, token, kind, guild.id, channel_id, user, "")
        return data, exchange

    def command(
        self,
        name: str,
        options: dict | None,
        *,
        guild: p.Guild,
        channel_id: int,
        user_id: int,
        sub: str | None = None,
        focused: str | None = None,
        teacher: bool = False,
    ) -> tuple[dict, Exchange]:
        """A slash command (or, with `focused`, the autocomplete request for that option)."""
        kind = AUTOCOMPLETE if focused else APPLICATION_COMMAND
        data, exchange = self._base(kind, guild, channel_id, user_id, teacher=teacher)
        opts = [_option(k, v, focused == k) for k, v in (options or {}).items()]
        if sub is not None:
            opts = [{"name": sub, "type": SUB_COMMAND, "options": opts}]
        cmd_id = self.command_ids.setdefault(name, self.ids())
        data["data"] = {"id": str(cmd_id), "name": name, "type": 1, "options": opts}
        exchange.name = f"/{name}" + (f" {sub}" if sub else "") + (" (autocomplete)" if focused else "")
        return data, exchange

    def click(
        self, message: dict, custom_id: str, *, guild: p.Guild, channel_id: int, user_id: int
    ) -> tuple[dict, Exchange]:
        """A button click on `message` (as the stand-in stored it: the bot's components)."""
        data, exchange = self._base(COMPONENT, guild, channel_id, user_id, teacher=False)
        data["data"] = {"custom_id": custom_id, "component_type": 2, "id": 1}
        data["message"] = message
        exchange.name = custom_id
        exchange.source_message_id = int(message["id"])
        return data, exchange


def _option(name: str, value, focused: bool) -> dict:
    kind = BOOLEAN if isinstance(value, bool) else INTEGER if isinstance(value, int) else STRING
    option = {"name": name, "type": kind, "value": value}
    if focused:
        option["focused"] = True
    return option


def buttons(message: dict) -> list[dict]:
    """Every button of a message's components, in order."""
    found = []
    for row in message.get("components") or ():
        for item in row.get("components") or ():
            if item.get("type") == 2 and item.get("custom_id"):
                found.append(item)
    return found


def now() -> float:
    return time.perf_counter()
