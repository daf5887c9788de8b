"""The stand-in's gateway: one websocket session per connected bot, speaking Discord's gateway protocol.

HELLO -> (client) IDENTIFY -> READY with every guild unavailable -> one GUILD_CREATE per guild, then
dispatches (INTERACTION_CREATE, background chatter). Heartbeats are acknowledged; RESUME gets RESUMED.
A sharded client says which shard a session is in IDENTIFY (`"shard": [id, count]`); as on Discord,
that session's READY and GUILD_CREATEs then carry only the guilds of that shard,
`(guild_id >> 22) % count == id`, and the guild's later events go to it alone.
The transport compression the client asks for in the URL (`compress=zlib-stream`) is honoured as
Discord does: one zlib stream per connection, each message ending in a Z_SYNC_FLUSH.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
import time
import zlib

from aiohttp import WSMsgType, web

from tests.bench.standin import payloads as p

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 10, 11
HEARTBEAT_INTERVAL_MS = 41_250

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode


class GatewaySession:
    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.seq = 0
        self.intents = 0
        self.session_id = secrets.token_hex(16)
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._lock = asyncio.Lock()  # one writer at a time: the zlib stream must stay in order
        self.sent_events = 0
        self.shard: tuple[int, int] = (0, 1)  # (id, count) from IDENTIFY

    def has(self, guild_id: int | None) -> bool:
        """Whether this session's shard receives the guild's events (direct messages: shard 0)."""
        shard, count = self.shard
        return (0 if guild_id is None else (guild_id >> 22) % count) == shard

    async def send(self, op: int, d=None, t: str | None = None) -> None:
        async with self._lock:
            if op == DISPATCH:
                self.seq += 1
                self.sent_events += 1
                text = _dumps({"op": op, "d": d, "s": self.seq, "t": t})
            else:
                text = _dumps({"op": op, "d": d, "s": None, "t": None})
            if self._zlib is not None:
                data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)

    def wants(self, intent: int) -> bool:
        return bool(self.intents & intent)


async def serve(standin, request: web.Request) -> web.WebSocketResponse:
    """The websocket handler: runs one session until the client goes away."""
    ws = web.WebSocketResponse(max_msg_size=0, compress=False, autoping=True)
    await ws.prepare(request)
    session = GatewaySession(ws, request.query.get("compress"))
    standin.timeline["gateway_connected"] = time.monotonic()
    await session.send(HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ['["gateway-standin",{}]']})
    streaming: asyncio.Task | None = None
    try:
        async for msg in ws:
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            payload = json.loads(msg.data)
            op = payload.get("op")
            if op == HEARTBEAT:
                await session.send(HEARTBEAT_ACK)
            elif op == IDENTIFY:
                session.intents = int(payload["d"].get("intents", 0))
                shard = payload["d"].get("shard") or [0, 1]
                session.shard = (int(shard[0]), int(shard[1]))
                standin.shard_of_session[session.session_id] = session.shard
                standin.connect(session)
                standin.timeline["identify"] = time.monotonic()
                streaming = asyncio.create_task(_ready_and_guilds(standin, session))
            elif op == RESUME:
                session.shard = standin.shard_of_session.get(payload["d"].get("session_id"), (0, 1))
                standin.connect(session)
                await session.send(DISPATCH, {"_trace": []}, "RESUMED")
    finally:
        standin.disconnect(session)
        if streaming is not None:
            streaming.cancel()
    return ws


async def _ready_and_guilds(standin, session: GatewaySession) -> None:
    guilds = [g for g in standin.guilds if session.has(g.id)]
    ready = {
        "v": 10,
        "user": {**standin.bot_user, "verified": True, "mfa_enabled": False, "email": None, "bot": True},
        "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
        "shard": list(session.shard),
        "session_id": session.session_id,
        "session_type": "normal",
        "resume_gateway_url": standin.gateway_url,
        "application": {"id": str(standin.app_id), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "user_settings": {},
        "geo_ordered_rtc_regions": ["us-east", "us-central", "atlanta", "newark", "us-south"],
        "auth_session_id_hash": secrets.token_urlsafe(32),
        "_trace": ['["gateway-prd-standin",{"micros":1200}]'],
    }
    await session.send(DISPATCH, ready, "READY")
    standin.timeline["ready_sent"] = time.monotonic()
    for guild in guilds:
        await session.send(DISPATCH, guild.payload, "GUILD_CREATE")
    standin.timeline["guilds_sent"] = time.monotonic()
    standin.streamed_shards.add(session.shard)
    standin.streamed.set()


def chatter_event(standin, rng: random.Random, session: GatewaySession) -> tuple[str, dict] | None:
    """One event of a class chatting (a message, someone typing, a reaction), if the session's intents
    ask for that kind: Discord sends a bot only what its intents cover."""
    kinds = []
    if session.wants(p.INTENT_GUILD_MESSAGES):
        kinds += ["MESSAGE_CREATE"] * 6
    if session.wants(p.INTENT_GUILD_TYPING):
        kinds += ["TYPING_START"] * 3
    if session.wants(p.INTENT_GUILD_REACTIONS):
        kinds += ["MESSAGE_REACTION_ADD"]
    if not kinds:
        return None
    guild = rng.choice(standin.guilds)
    channel_id = rng.choice(guild.text_channels)
    uid = 10**17 + rng.randrange(10**6)
    user = standin.factory.user(uid)
    member = p.member(user, [guild.student_role])
    kind = rng.choice(kinds)
    if kind == "MESSAGE_CREATE":
        # Without the message_content intent Discord blanks content, embeds and components.
        body = {"content": "" if not session.wants(1 << 15) else "does anyone have the notes for unit 3?"}
        data = p.message(standin.ids(), channel_id, user, body, guild_id=guild.id)
        data["member"] = {k: v for k, v in member.items() if k != "user"}
        data["nonce"] = str(standin.ids())
        return kind, data
    if kind == "TYPING_START":
        data = {
            "channel_id": str(channel_id),
            "guild_id": str(guild.id),
            "user_id": str(uid),
            "timestamp": int(time.time()),
            "member": member,
        }
        return kind, data
    data = {
        "user_id": str(uid),
        "type": 0,
        "channel_id": str(channel_id),
        "message_id": str(standin.ids()),
        "guild_id": str(guild.id),
        "member": member,
        "emoji": {"id": None, "name": "👍"},
        "burst": False,
        "burst_colors": [],
        "message_author_id": str(10**17 + rng.randrange(10**6)),
    }
    return kind, data
