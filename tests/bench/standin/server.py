"""A local Discord stand-in over real sockets: the gateway and the REST routes a bot calls.

`StandIn(guilds=N)` listens on 127.0.0.1 (a free port; plain HTTP and WS, no TLS) and answers like
Discord: a bot logs in (GET /users/@me, /oauth2/applications/@me), connects to the gateway, gets READY
and N GUILD_CREATEs, and then the harness sends it interactions (`send`) and watches what comes back.

Rules of real Discord that it plays: an interaction's callback must arrive within 3 seconds (else 404
"Unknown interaction", code 10062) and only once (40060); a "thinking" defer's first followup edits
the deferred message; followups work for 15 minutes; per-route rate limits with X-RateLimit headers
and 429s (`ratelimits.py`), the global limit of R requests per second when `global_limit=R` (429
with `"global": true` beyond it; interactions are exempt, as on Discord), and injected faults
(`inject`).

Sharding: `StandIn(guilds=N, shards=S)` spreads the guilds over S shards (their ids say which, as
Discord's do), GET /gateway/bot recommends S shards, and each gateway session gets the guilds of
the shard it IDENTIFYs as. Several bot processes can share one stand-in: `open_door()` opens
another port to the same Discord, so `posted_via` tells which process made each post.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable

from aiohttp import web

from tests.bench.standin import gateway
from tests.bench.standin import interactions as ix
from tests.bench.standin import payloads as p
from tests.bench.standin.ratelimits import RateLimits, too_many

log = logging.getLogger(__name__)

API = "/api/v10"
TOKEN = "MTI4NDYwMDAwMDAwMDAwMDAw.GbEnCh.standin-token-not-a-secret"
_dumps = json.JSONEncoder(separators=(",", ":")).encode


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


UNKNOWN_INTERACTION = (404, 10062, "Unknown interaction")


class StandIn:
    def __init__(
        self,
        guilds: int = 10,
        *,
        ratelimits: bool = True,
        interaction_deadline: float | None = 3.0,
        rest_delay: float = 0.0,
        shards: int = 1,
        global_limit: float | None = None,
    ) -> None:
        self.ids = p.Snowflakes()
        self.app_id = self.ids()
        self.bot_user = p.user(self.app_id, "CR Study Bot", bot=True)
        self.owner = p.user(self.ids(), "ms_rivera")
        self.shards = shards
        self.guilds = [p.make_guild(self.ids, i, self.bot_user, shard=(i % shards, shards)) for i in range(guilds)]
        self.guild_of_channel = {c: g for g in self.guilds for c in g.text_channels}
        self.factory = ix.InteractionFactory(self.ids, self.app_id)
        self.limits = RateLimits(enforce=ratelimits)
        self.deadline = interaction_deadline
        self.rest_delay = rest_delay
        self.sessions: list[gateway.GatewaySession] = []  # connected gateway sessions, one per shard
        self.streamed = asyncio.Event()  # READY and every GUILD_CREATE have been sent (to a session)
        self.streamed_shards: set[tuple[int, int]] = set()
        self.shard_of_session: dict[str, tuple[int, int]] = {}  # for RESUME
        self.global_limit = global_limit
        self._global_window: deque[float] = deque()  # when the requests of the last second came
        self.global_429s = 0
        # (time.time(), method, path, door) of every request: when, what and from which process
        self.rest_log: list[tuple[float, str, str, str]] = []
        self.posted_via: dict[int, str] = {}  # message id -> the door (URL) its POST came through
        self.posted_at: dict[int, float] = {}  # message id -> time.time() it was created
        self._doors: dict[int, str] = {}  # port -> URL
        self.timeline: dict[str, float] = {}
        self.exchanges: dict[int, ix.Exchange] = {}
        self.by_token: dict[str, ix.Exchange] = {}
        self.messages: dict[int, dict] = {}
        self.channel_log: list[tuple[str, dict]] = []  # ("POST" | "PATCH", message) in order
        self.requests: Counter[str] = Counter()
        self.unknown: Counter[str] = Counter()
        self._waiters: list[tuple[Callable[[str, dict], bool], asyncio.Future]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle

    @property
    def gateway_url(self) -> str:
        return self.url.replace("http://", "ws://", 1) + "/gateway/"

    @property
    def session(self) -> gateway.GatewaySession | None:
        """The gateway session (of an unsharded bot; with several, the first)."""
        return self.sessions[0] if self.sessions else None

    def connect(self, session: gateway.GatewaySession) -> None:
        # A shard that connects again replaces its old session.
        self.sessions = [s for s in self.sessions if s.shard != session.shard] + [session]

    def disconnect(self, session: gateway.GatewaySession) -> None:
        if session in self.sessions:
            self.sessions.remove(session)

    def session_for(self, guild_id: int | None) -> gateway.GatewaySession | None:
        """The session whose shard receives this guild's events."""
        return next((s for s in self.sessions if s.has(guild_id)), None)

    async def start(self) -> str:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_get("/gateway", self._gateway)  # GET /gateway/bot's URL has no trailing slash
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self.url = await self.open_door()
        return self.url

    async def open_door(self) -> str:
        """Another port to the same stand-in (for another bot process); returns its URL."""
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self._doors[port] = url = f"http://127.0.0.1:{port}"
        return url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ what the harness does

    async def wait_connected(self, within: float) -> None:
        await asyncio.wait_for(self.streamed.wait(), within)

    async def send(self, payload: dict, exchange: ix.Exchange) -> ix.Exchange:
        """Dispatch one INTERACTION_CREATE; `exchange` records what happens to it."""
        session = self.session_for(_guild_of(payload))
        if session is None:
            raise RuntimeError("no bot is connected to the stand-in's gateway for that guild's shard")
        self.exchanges[exchange.id] = exchange
        self.by_token[exchange.token] = exchange
        exchange.sent_at = time.perf_counter()
        await session.send(gateway.DISPATCH, payload, "INTERACTION_CREATE")
        return exchange

    async def dispatch(self, event: str, data: dict) -> None:
        session = self.session_for(_guild_of(data))
        if session is not None:
            await session.send(gateway.DISPATCH, data, event)

    def inject(self, method: str, path: str, **kwargs):
        """The next matching requests fail: e.g. inject("POST", r"/channels/\\d+/messages$", status=429,
        retry_after=1.5, times=2) or status=500 / 403 (with code and message)."""
        return self.limits.inject(method, path, **kwargs)

    async def wait_channel_message(
        self, predicate: Callable[[str, dict], bool], within: float, *, since: int = 0
    ) -> dict:
        """The first channel message (posted or edited, as ("POST"|"PATCH", message)) matching `predicate`,
        including those already seen from entry `since` of `channel_log` on (0: every one; pass
        `len(channel_log)` taken before the request that makes it, to skip an earlier match)."""
        for action, message in self.channel_log[since:]:
            if predicate(action, message):
                return message
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        try:
            return await asyncio.wait_for(future, within)
        finally:
            self._waiters = [w for w in self._waiters if w[1] is not future]

    def _channel_event(self, action: str, message: dict) -> None:
        self.channel_log.append((action, message))
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(action, message):
                future.set_result(message)

    # ------------------------------------------------------------------ REST plumbing

    def _routes(self, app: web.Application) -> None:
        add = self._add
        add(app, "GET", "/users/@me", self._me)
        add(app, "GET", "/oauth2/applications/@me", self._application)
        add(app, "GET", "/applications/@me", self._application)
        add(app, "GET", "/gateway/bot", self._gateway_bot)
        add(app, "GET", "/gateway", self._gateway_bot)
        add(app, "POST", "/interactions/{interaction_id}/{token}/callback", self._callback)
        add(app, "POST", "/webhooks/{webhook_id}/{token}", self._followup)
        add(app, "GET", "/webhooks/{webhook_id}/{token}/messages/{message_id}", self._webhook_message)
        add(app, "PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}", self._webhook_message)
        add(app, "DELETE", "/webhooks/{webhook_id}/{token}/messages/{message_id}", self._webhook_message)
        add(app, "POST", "/channels/{channel_id}/messages", self._post_message)
        add(app, "GET", "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        add(app, "PATCH", "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        add(app, "DELETE", "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        add(app, "GET", "/channels/{channel_id}", self._get_channel)
        for scope in ("", "/guilds/{guild_id}"):
            add(app, "GET", f"/applications/{{app_id}}{scope}/commands", self._commands)
            add(app, "PUT", f"/applications/{{app_id}}{scope}/commands", self._commands)
        app.router.add_route("*", API + "/{tail:.*}", self._unknown)

    def _add(self, app: web.Application, method: str, template: str, handler) -> None:
        exempt = "{token}" in template  # interaction callbacks and followups: no global limit

        async def wrapped(request: web.Request) -> web.StreamResponse:
            self.requests[f"{method} {template}"] += 1
            port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
            self.rest_log.append((time.time(), method, request.path[len(API) :], self._doors.get(port, "")))
            if self.rest_delay:
                await asyncio.sleep(self.rest_delay)
            if not exempt and self.global_limit is not None:
                retry_after = self._over_global_limit()
                if retry_after is not None:
                    self.global_429s += 1
                    body, headers = too_many(retry_after, is_global=True)
                    return _json(429, body, headers)
            fault = self.limits.take_fault(method, request.path[len(API) :])
            if fault is not None:
                if fault.status == 429:
                    body, headers = too_many(fault.retry_after, is_global=fault.is_global)
                    return _json(429, body, headers)
                return _json(fault.status, {"message": fault.message or "injected", "code": fault.code})
            major = request.match_info.get("channel_id") or request.match_info.get("token") or ""
            headers, retry_after = self.limits.check(method, template, major)
            if retry_after is not None:
                body, extra = too_many(retry_after)
                return _json(429, body, {**headers, **extra})
            try:
                status, body = await handler(request)
                if method == "POST" and isinstance(body, dict) and "channel_id" in request.match_info:
                    self.posted_via[int(body["id"])] = self._doors.get(port, "")
            except ApiError as exc:
                status, body = exc.status, {"message": exc.message, "code": exc.code}
            return _json(status, body, headers)

        app.router.add_route(method, API + template, wrapped)

    def _over_global_limit(self) -> float | None:
        """None when one more request fits in the last second's `global_limit`, else how long until
        it would (a sliding window: stricter than any fixed one)."""
        now = time.monotonic()
        window = self._global_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.global_limit:
            return max(0.001, window[0] + 1.0 - now)
        window.append(now)
        return None

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        return await gateway.serve(self, request)

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        self.unknown[f"{request.method} {request.path}"] += 1
        return _json(404, {"message": "404: Not Found", "code": 0})

    # ------------------------------------------------------------------ login

    async def _me(self, request):
        return 200, {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None, "bot": True}

    async def _application(self, request):
        return 200, p.application(self.app_id, self.bot_user, self.owner)

    async def _gateway_bot(self, request):
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url.rstrip("/"), "shards": self.shards, "session_start_limit": limit}

    async def _commands(self, request):
        if request.method == "GET":
            return 200, []
        body = await _body(request)
        return 200, [
            {**c, "id": str(self.ids()), "application_id": str(self.app_id), "version": "1"} for c in body
        ]

    # ------------------------------------------------------------------ interactions

    async def _callback(self, request):
        now = time.perf_counter()
        ex = self.exchanges.get(int(request.match_info["interaction_id"]))
        if ex is None or ex.token != request.match_info["token"]:
            raise ApiError(*UNKNOWN_INTERACTION)
        ex.rest_calls += 1
        if ex.callback_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if self.deadline is not None and now - ex.sent_at > self.deadline:
            ex.expired = True
            ex.fail()
            raise ApiError(*UNKNOWN_INTERACTION)
        body = await _body(request)
        kind, data = body["type"], body.get("data") or {}
        ex.callback_at, ex.callback_type = now, kind
        flags = int(data.get("flags") or 0)
        info = {
            "id": str(ex.id),
            "type": ex.kind,
            "activity_instance_id": None,
            "response_message_id": None,
            "response_message_loading": kind == ix.DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(flags & p.EPHEMERAL),
        }
        answer = {"interaction": info}
        if kind in (ix.MESSAGE, ix.DEFERRED_MESSAGE):
            body_data = data if kind == ix.MESSAGE else {"flags": flags | p.LOADING}
            message = self._interaction_message(ex, body_data)
            ex.message_id = int(message["id"])
            info["response_message_id"] = message["id"]
            if kind == ix.MESSAGE:
                answer["resource"] = {"type": kind, "message": message}
                ex.show(now, message)
            else:
                ex.loading = True
        elif kind == ix.UPDATE:
            source = self.messages.get(ex.source_message_id or 0)
            if source is None:
                raise ApiError(400, 50035, "UPDATE_MESSAGE needs a source message")
            message = self.messages[int(source["id"])] = p.edited(source, data)
            answer["resource"] = {"type": kind, "message": message}
            ex.show(now, message)
        elif kind in (ix.AUTOCOMPLETE_RESULT, ix.MODAL):
            ex.show(now, data.get("choices") if kind == ix.AUTOCOMPLETE_RESULT else data)
        elif kind != ix.DEFERRED_UPDATE:
            raise ApiError(400, 50035, f"unknown interaction callback type {kind}")
        return 200, answer

    def _interaction_message(self, ex: ix.Exchange, body: dict) -> dict:
        meta = {"id": str(ex.id), "type": ex.kind, "user": ex.user, "authorizing_integration_owners": {}}
        kind = 20 if ex.kind == ix.APPLICATION_COMMAND else 19 if ex.kind == ix.COMPONENT else 0
        message = p.message(
            self.ids(),
            ex.channel_id,
            self.bot_user,
            body,
            guild_id=ex.guild_id,
            kind=kind,
            application_id=self.app_id,
            interaction=meta,
        )
        self.messages[int(message["id"])] = message
        return message

    def _exchange_of(self, request) -> ix.Exchange:
        ex = self.by_token.get(request.match_info["token"])
        if ex is None or request.match_info["webhook_id"] != str(self.app_id):
            raise ApiError(404, 10015, "Unknown Webhook")
        ex.rest_calls += 1
        return ex

    async def _followup(self, request):
        now = time.perf_counter()
        ex = self._exchange_of(request)
        body = await _body(request)
        if ex.loading and ex.message_id is not None:
            # A "thinking" defer: the first followup becomes that message (Discord edits it).
            old = self.messages[ex.message_id]
            message = p.edited(old, body)
            message["flags"] = int(old["flags"]) & ~p.LOADING
            self.messages[ex.message_id] = message
            ex.loading = False
        else:
            message = self._interaction_message(ex, body)
        ex.show(now, message)
        return (200, message) if request.query.get("wait") in ("true", "1", "True") else (204, None)

    async def _webhook_message(self, request):
        now = time.perf_counter()
        ex = self._exchange_of(request)
        key = request.match_info["message_id"]
        message_id = ex.message_id if key == "@original" else int(key)
        message = self.messages.get(message_id or 0)
        if message is None:
            raise ApiError(404, 10008, "Unknown Message")
        if request.method == "GET":
            return 200, message
        if request.method == "DELETE":
            del self.messages[message_id]
            return 204, None
        body = await _body(request)
        message = p.edited(message, body)
        if ex.loading and message_id == ex.message_id:
            message["flags"] = int(message["flags"]) & ~p.LOADING
            ex.loading = False
        self.messages[message_id] = message
        ex.show(now, message)
        return 200, message

    # ------------------------------------------------------------------ channels

    def _channel(self, request) -> tuple[int, p.Guild]:
        channel_id = int(request.match_info["channel_id"])
        guild = self.guild_of_channel.get(channel_id)
        if guild is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel_id, guild

    async def _post_message(self, request):
        channel_id, guild = self._channel(request)
        body = await _body(request)
        message = p.message(self.ids(), channel_id, self.bot_user, body, guild_id=guild.id)
        self.messages[int(message["id"])] = message
        self.posted_at[int(message["id"])] = time.time()
        self._channel_event("POST", message)
        return 200, message

    async def _channel_message(self, request):
        channel_id, _guild = self._channel(request)
        message_id = int(request.match_info["message_id"])
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != str(channel_id):
            raise ApiError(404, 10008, "Unknown Message")
        if request.method == "GET":
            return 200, message
        if request.method == "DELETE":
            del self.messages[message_id]
            return 204, None
        message = self.messages[message_id] = p.edited(message, await _body(request))
        self._channel_event("PATCH", message)
        return 200, message

    async def _get_channel(self, request):
        channel_id, guild = self._channel(request)
        return 200, guild.channel_payload(channel_id)


def _guild_of(payload: dict) -> int | None:
    guild = payload.get("guild_id")
    return int(guild) if guild else None


async def _body(request: web.Request):
    """A JSON body, or the `payload_json` part of a multipart one (files are read and dropped)."""
    if request.content_type.startswith("multipart/"):
        body: dict = {}
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                await part.read()
        return body
    if not request.can_read_body:
        return {}
    return json.loads(await request.read() or b"{}")


def _json(status: int, body, headers: dict[str, str] | None = None) -> web.Response:
    if body is None or status == 204:
        return web.Response(status=204, headers=headers)
    return web.Response(
        status=status, body=_dumps(body).encode(), content_type="application/json", headers=headers
    )
