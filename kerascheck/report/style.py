"""Colour on a terminal, never in a pipe unless forced: ``NO_COLOR`` and ``FORCE_COLOR``.

The decision follows the conventions (no-color.org, force-color.org) in
CPython's order: a non-empty ``NO_COLOR`` turns colour off, else a non-empty
``FORCE_COLOR`` turns it on even into a pipe, else colour goes only to a
terminal that is not ``TERM=dumb``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

RESET = "\x1b[0m"
STYLES = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "red": "\x1b[31m",
    "yellow": "\x1b[33m",
    "cyan": "\x1b[36m",
    "green": "\x1b[32m",
    "blue": "\x1b[34m",
}


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Painter:
    """Wraps text in ANSI styles, or returns it unchanged when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        return "".join(STYLES[s] for s in styles) + text + RESET


PLAIN = Painter(False)
