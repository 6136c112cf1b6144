"""Errors that end a run with a one-line message and exit code 2."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input from the user: unknown option, unreadable path, bad selector.

    The CLI prints ``awaitify: error: <message>`` on one line and exits 2.
    """


class ConfigError(UsageError):
    """A bad ``[tool.awaitify]`` key or value; the message names the key and the file."""
