"""A minimal client of the playground page's protocol: what the page's script sends and reads.

It goes through the same HTTP endpoints as a browser (open a page, poll its state, post actions),
so a test sees exactly what a visitor would see, including what appears without any refresh.
"""

from __future__ import annotations

import uuid


class PageClient:
    def __init__(self, http, url: str) -> None:
        self.http = http
        self.base, self.capability = url.split("/#")
        self.sequence = 0
        self.snap: dict = {}
        self.catalog: dict = {}

    def _headers(self, context: bool = True) -> dict[str, str]:
        headers = {"X-Simcord-Capability": self.capability, "Origin": self.base}
        if context and self.snap:
            headers["X-Simcord-Context"] = self.snap["context"]["id"]
        return headers

    async def open(self) -> dict:
        async with self.http.post(f"{self.base}/api/pages", json={}, headers=self._headers(False)) as r:
            r.raise_for_status()
            self.snap = await r.json()
        async with self.http.get(f"{self.base}/api/commands", headers=self._headers()) as r:
            r.raise_for_status()
            self.catalog = await r.json()
        return self.snap

    async def state(self) -> dict:
        """One poll, as the page makes every half second."""
        async with self.http.get(f"{self.base}/api/state", headers=self._headers()) as r:
            r.raise_for_status()
            self.snap = await r.json()
        return self.snap

    async def act(self, kind: str, *, revision: int | None = None, **fields) -> dict:
        self.sequence += 1
        body = {
            "protocol_version": 3,
            "sequence": self.sequence,
            "request_id": str(uuid.uuid4()),
            "generation": self.snap["context"]["generation"],
            "bot_generation": self.snap["botGeneration"],
            "published_revision": self.snap["publishedRevision"] if revision is None else revision,
            "kind": kind,
            **fields,
        }
        async with self.http.post(f"{self.base}/api/action", json=body, headers=self._headers()) as r:
            r.raise_for_status()
            receipt = await r.json()
        if isinstance(receipt.get("expectedSequence"), int):
            self.sequence = receipt["expectedSequence"]
        await self.state()
        return receipt

    async def slash(self, invocation: str, **options: str) -> dict:
        entry = next(e for e in self.catalog["entries"] if e["invocation"] == invocation)
        return await self.act(
            "run_command",
            command_id=entry["commandId"],
            path=entry["path"],
            schema_fingerprint=entry["schemaFingerprint"],
            options=options,
        )

    async def click(self, message: dict, custom_id: str, **fields) -> dict:
        """Click the message's button with this custom_id (or the one ending in ":" + it)."""
        button = next(
            b for b in buttons(message) if b.get("custom_id", "").split(":")[-1] == custom_id.split(":")[-1]
        )
        return await self.act("click", control_key=button["control_key"], target_id=message["id"], **fields)

    async def view_as(self, name: str) -> dict:
        viewer = next(v for v in self.snap["viewers"] if v["username"] == name)
        return await self.act("viewer", viewer_id=viewer["id"])

    def messages(self) -> list[dict]:
        """The channel as the page shows it, oldest first."""
        return [self.snap["messages"][item["id"]] for item in self.snap["messageIndex"]]


def buttons(message: dict) -> list[dict]:
    return [item for row in message.get("components", []) for item in row.get("components", [])]


def titles(message: dict) -> list[str]:
    return [embed.get("title") or "" for embed in message.get("embeds", [])]


def rendered_text(tokens) -> str:
    """The visible text of rendered tokens: mentions by their label, as the page draws them."""
    parts = []
    for token in tokens or []:
        if token.get("type") == "text":
            parts.append(token.get("content", ""))
        elif token.get("type") == "mention":
            parts.append(token.get("label", ""))
        parts.append(rendered_text(token.get("children")))
    return "".join(parts)
