"""The permissions the invite asks for are the ones the code needs: read from the code itself.

Only what the bot does on its own in a channel needs a permission (posting, editing its posts);
replies through an interaction (`interaction.response...`, `interaction.followup...`) need none.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot import permissions
from bot.cogs import scheduler

BOT = Path(__file__).resolve().parents[1] / "bot"

#: Channel calls and the permissions Discord checks for them (ids of Permissions flags).
CALLS = {
    "send": {"view_channel", "send_messages"},
    "edit": {"view_channel"},  # the bot's own messages; editing others' is impossible anyway
    "fetch_message": {"view_channel", "read_message_history"},
    "history": {"view_channel", "read_message_history"},
    "reply": {"view_channel", "send_messages", "read_message_history"},
    "add_reaction": {"view_channel", "read_message_history", "add_reactions"},
    "create_thread": {"view_channel", "create_public_threads"},
    "pin": {"view_channel", "manage_messages"},
    "purge": {"view_channel", "manage_messages", "read_message_history"},
    "delete_messages": {"view_channel", "manage_messages"},
    "create_webhook": {"manage_webhooks"},
    "add_roles": {"manage_roles"},
}
KEYWORDS = {"embed": "embed_links", "embeds": "embed_links", "file": "attach_files", "files": "attach_files"}
INTERACTION_WORDS = ("interaction", "response", "followup")


def _receiver(node: ast.Attribute) -> str:
    return ast.unparse(node.value)


def needed_permissions() -> dict[str, set[str]]:
    """permission -> the places in bot/ that need it."""
    needed: dict[str, set[str]] = {}
    for path in sorted(BOT.rglob("*.py")):
        if path.name == "playground.py":  # its sends are the simulated members', not the bot's
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name, receiver = node.func.attr, _receiver(node.func)
            if name not in CALLS or any(word in receiver for word in INTERACTION_WORDS):
                continue
            if name in ("edit", "send") and receiver in ("self", "super()"):
                continue  # not a Discord call (a helper of ours named send/edit)
            where = f"{path.relative_to(BOT.parent)}:{node.lineno}"
            perms = set(CALLS[name])
            perms |= {KEYWORDS[k.arg] for k in node.keywords if k.arg in KEYWORDS}
            for perm in perms:
                needed.setdefault(perm, set()).add(where)
    return needed


def test_the_invite_asks_for_what_the_code_uses_and_no_more():
    needed = needed_permissions()
    assert set(needed) == set(permissions.INVITE), {p: sorted(w)[:3] for p, w in needed.items()}


def test_the_scheduler_checks_the_same_permissions_before_posting():
    assert scheduler.POST_PERMISSIONS is permissions.CHANNEL_POST
    assert set(permissions.CHANNEL_POST) <= set(permissions.INVITE)


def test_the_scan_sees_the_posts_it_is_meant_to_see():
    needed = needed_permissions()
    posting = {where.split(":")[0] for where in needed["send_messages"]}
    assert {"bot/cogs/quiz_runner.py", "bot/cogs/daily.py", "bot/cogs/schedule.py"} <= posting
    assert any(where.startswith("bot/cogs/quiz_runner.py") for where in needed["embed_links"])
