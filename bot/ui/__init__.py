"""Embeds, views and modals. The ui decides how things look, never what the rules are."""
