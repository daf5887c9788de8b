"""Discord API objects as the real API sends them (JSON dicts), for the stand-in's gateway and REST.

Shapes follow Discord's API v10 documentation and what discord.py 2.7.1 reads; fields Discord sends
that discord.py ignores are kept where they make a payload's size realistic (the client parses it).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions)
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_HISTORY = 1 << 16
ADD_REACTIONS = 1 << 6
USE_APP_COMMANDS = 1 << 31
MANAGE_GUILD = 1 << 5
MANAGE_MESSAGES = 1 << 13
EVERYONE_PERMS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | ADD_REACTIONS | USE_APP_COMMANDS | (1 << 15)
)
TEACHER_PERMS = EVERYONE_PERMS | MANAGE_GUILD | MANAGE_MESSAGES
BOT_PERMS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS

EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Gateway intents that decide which background events a session receives.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_REACTIONS = 1 << 10
INTENT_GUILD_TYPING = 1 << 11


class Snowflakes:
    """Increasing snowflake ids whose timestamps are now, like Discord's."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22 | (1 << 17)
        self._last = max(value, self._last + 1)
        return self._last

    def on_shard(self, shard: int, count: int) -> int:
        """The next id of a guild that Discord puts on `shard` of `count`: its timestamp's
        milliseconds (`id >> 22`) are `shard` modulo `count`."""
        value = self()
        while (value >> 22) % count != shard:
            value = ((value >> 22) + 1) << 22 | (1 << 17)
        self._last = value
        return value


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def interaction_token(interaction_id: int) -> str:
    # Real tokens are "aW50ZXJhY3Rpb246" + base64 of the id + ~140 random characters.
    return f"aW50ZXJhY3Rpb246{interaction_id}:" + secrets.token_urlsafe(105)


def user(user_id: int, name: str, *, bot: bool = False) -> dict:
    data = {
        "id": str(user_id),
        "username": name,
        "global_name": None if bot else name.replace("_", " ").title(),
        "discriminator": "0" if not bot else "4821",
        "avatar": None,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
        "collectibles": None,
        "clan": None,
    }
    if bot:
        data["bot"] = True
    return data


def role(role_id: int, name: str, permissions: int, position: int, *, managed_by: int | None = None) -> dict:
    data = {
        "id": str(role_id),
        "name": name,
        "description": None,
        "permissions": str(permissions),
        "position": position,
        "color": 0 if managed_by or position == 0 else 0x3498DB,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": managed_by is not None,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if managed_by is not None:
        data["tags"] = {"bot_id": str(managed_by)}
    return data


def channel(
    channel_id: int, guild_id: int, name: str, *, kind: int = 0, position: int = 0, parent: int | None = None
):
    data = {
        "id": str(channel_id),
        "type": kind,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": str(parent) if parent else None,
        "flags": 0,
    }
    if kind == 0:
        data.update(topic=None, last_message_id=None, rate_limit_per_user=0, icon_emoji=None, theme_color=None)
    elif kind == 2:
        data.update(bitrate=64000, user_limit=0, rtc_region=None, last_message_id=None, rate_limit_per_user=0)
    return data


def member(user_data: dict, roles: list[int], *, joined_at: str | None = None, permissions: int | None = None):
    data = {
        "user": user_data,
        "roles": [str(r) for r in roles],
        "nick": None,
        "avatar": None,
        "banner": None,
        "joined_at": joined_at or "2024-09-02T08:15:00.000000+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "unusual_dm_activity_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


@dataclass
class Guild:
    """One class server: a few channels and roles; the bot is its only cached member."""

    id: int
    name: str
    everyone: int
    teacher_role: int
    student_role: int
    bot_role: int
    text_channels: list[int]
    owner_id: int
    payload: dict = field(repr=False, default_factory=dict)

    def channel_payload(self, channel_id: int) -> dict:
        return next(c for c in self.payload["channels"] if c["id"] == str(channel_id))


def make_guild(ids: Snowflakes, index: int, bot_user: dict, *, shard: tuple[int, int] = (0, 1)) -> Guild:
    """A class server; `shard` = (id, count) puts it on that shard of a sharded bot."""
    gid = ids.on_shard(*shard)
    everyone, teacher, student, bot_role = gid, ids(), ids(), ids()
    category = ids()
    names = ("general", "class", "quiz", "homework")
    text = [ids() for _ in names]
    voice = ids()
    owner = ids()
    channels = [channel(category, gid, "Class", kind=4, position=0)]
    channels += [
        channel(c, gid, n, position=i, parent=category) for i, (c, n) in enumerate(zip(text, names, strict=True))
    ]
    channels.append(channel(voice, gid, "Study room", kind=2, position=0, parent=category))
    roles = [
        role(everyone, "@everyone", EVERYONE_PERMS, 0),
        role(student, "Student", EVERYONE_PERMS, 1),
        role(teacher, "Teacher", TEACHER_PERMS, 2),
        role(bot_role, "CR Study Bot", BOT_PERMS, 3, managed_by=int(bot_user["id"])),
    ]
    payload = {
        "id": str(gid),
        "name": f"Customer Relations {index + 1:04d}",
        "icon": None,
        "description": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "features": [],
        "owner_id": str(owner),
        "application_id": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": str(text[0]),
        "system_channel_flags": 0,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 1,
        "default_message_notifications": 1,
        "mfa_level": 0,
        "explicit_content_filter": 2,
        "max_presences": None,
        "max_members": 500000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "rules_channel_id": None,
        "safety_alerts_channel_id": None,
        "public_updates_channel_id": None,
        "hub_type": None,
        "premium_progress_bar_enabled": False,
        "latest_onboarding_question_id": None,
        "nsfw": False,
        "nsfw_level": 0,
        "incidents_data": None,
        "inventory_settings": None,
        "version": 1_700_000_000_000,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "joined_at": "2024-09-01T12:00:00.000000+00:00",
        "large": False,
        "unavailable": False,
        "member_count": 31,
        "lazy": True,
        "voice_states": [],
        "members": [member(bot_user, [bot_role])],
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "activity_instances": [],
        "embedded_activities": [],
        "application_command_counts": {},
    }
    return Guild(gid, payload["name"], everyone, teacher, student, bot_role, text, owner, payload)


def application(app_id: int, bot_user: dict, owner: dict) -> dict:
    return {
        "id": str(app_id),
        "name": bot_user["username"],
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": secrets.token_hex(32),
        "flags": 0,
        "bot": bot_user,
        "owner": owner,
        "team": None,
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": str(BOT_PERMS)},
        "integration_types_config": {"0": {}},
        "approximate_guild_count": 0,
        "redirect_uris": [],
        "event_webhooks_status": 1,
    }


def message(
    message_id: int,
    channel_id: int,
    author: dict,
    body: dict,
    *,
    guild_id: int | None = None,
    kind: int = 0,
    application_id: int | None = None,
    interaction: dict | None = None,
    flags: int = 0,
) -> dict:
    """A message as Discord returns it after a send: what the bot sent, plus Discord's own fields."""
    embeds = []
    for embed in body.get("embeds") or ():
        embed = dict(embed)
        embed.setdefault("type", "rich")
        embed["content_scan_version"] = 2
        embeds.append(embed)
    data = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": kind,
        "content": body.get("content") or "",
        "author": author,
        "embeds": embeds,
        "components": body.get("components") or [],
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "flags": flags | int(body.get("flags") or 0),
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if application_id is not None:
        data["application_id"] = str(application_id)
        data["webhook_id"] = str(application_id)
    if interaction is not None:
        data["interaction_metadata"] = interaction
    return data


def edited(old: dict, body: dict) -> dict:
    """`old` after a PATCH or an UPDATE_MESSAGE callback with `body` (absent keys keep their value)."""
    new = dict(old)
    for key in ("content", "components", "flags"):
        if key in body:
            new[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
    if "embeds" in body or "embed" in body:
        embeds = body.get("embeds") if "embeds" in body else [body["embed"]]
        new["embeds"] = [{**e, "type": "rich", "content_scan_version": 2} for e in (embeds or ())]
    new["edited_timestamp"] = iso_now()
    return new
