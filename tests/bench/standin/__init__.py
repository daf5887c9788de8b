"""A local Discord stand-in (gateway + REST over sockets on 127.0.0.1) and a harness that runs the real
bot process, and a minimal discord.py floor bot, against it. See server.py and harness.py."""
