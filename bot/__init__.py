"""Customer Relations study bot for Discord."""

__version__ = "0.1.0"


def create_bot(settings, **kwargs):
    """Build the bot without connecting; see bot.app.create_bot."""
    from bot.app import create_bot as _create

    return _create(settings, **kwargs)
