"""Thin cogs: parse options, call core and storage, render through ui."""
