"""Reading LSP frames robustly: a malformed frame is answered or skipped, never the end of the session.

pygls' own reader matches ``Content-Length`` only at the start of a line and
trusts it: after one frame with ``Content-Length: abc``, a negative or too
short length, or junk between frames, the next frame's header is glued to
the previous body and never recognised again, so the server stays alive but
answers nothing. Here a header is found anywhere in a line (which is how the
stream resynchronises after garbage), a length beyond ``MAX_BODY_BYTES`` is
not read, and a body that is not JSON gets the JSON-RPC parse error.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO, Protocol

MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_HEADER_LINE = 64 * 1024  # a header line longer than this is junk
_LENGTH = re.compile(rb"Content-Length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?\n?$", re.IGNORECASE)
PARSE_ERROR = {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}
INVALID_REQUEST = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid Request"}}
log = logging.getLogger("kerascheck.lsp")


class Reader(Protocol):
    def readline(self, limit: int) -> Awaitable[bytes]: ...

    def read(self, n: int) -> Awaitable[bytes]: ...


class StdinReader:
    """Blocking reads of a binary stream in a worker thread (so the event loop keeps running)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def readline(self, limit: int) -> Awaitable[bytes]:
        return asyncio.get_running_loop().run_in_executor(None, self.stream.readline, limit)

    def read(self, n: int) -> Awaitable[bytes]:
        return asyncio.get_running_loop().run_in_executor(None, self.stream.read, n)


async def read_messages(
    reader: Reader,
    parse: Callable[[bytes], Any],
    handle: Callable[[Any], None],
    reply: Callable[[dict[str, Any]], None],
    stopped: Callable[[], bool],
) -> None:
    """Parse and handle each frame's body until end of input; answer unparsable bodies with ``reply``."""
    length: int | None = None
    while not stopped():
        line = await reader.readline(MAX_HEADER_LINE)
        if not line:
            return
        found = _LENGTH.search(line)
        if found is not None:
            length = int(found.group(1))
            continue
        if line.strip() or length is None:
            continue  # another header (Content-Type), junk, or a blank line with no valid length before it
        if length > MAX_BODY_BYTES:
            log.warning("skipped a frame of %d bytes (the limit is %d)", length, MAX_BODY_BYTES)
            length = None
            continue
        body = await reader.read(length) if length else b""
        length = None
        try:
            message = parse(body)
        except (ValueError, RecursionError):
            log.warning("answered a frame that is not JSON with a parse error")
            reply(PARSE_ERROR)
            continue
        except Exception:  # JSON that is no JSON-RPC message pygls can structure
            log.warning("answered a frame that is not a JSON-RPC message with an error")
            reply(INVALID_REQUEST)
            continue
        try:
            handle(message)
        except Exception:  # pragma: no cover - pygls answers errors itself; this is the last guard
            log.exception("failed to handle a message")
