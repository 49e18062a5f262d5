"""Issue 14: the language server survives hostile traffic and hostile documents.

A raw client writes bytes to ``kerascheck server`` over stdio (no LSP
library in between, so frames can be malformed on purpose) and after each
message checks that the server still answers a request: liveness, not only
"the process has not exited".
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import BAD_PROGRAM

TIMEOUT = 60.0  # shared CI cores; a healthy server answers in milliseconds
# Each builds a model, so the file can contribute a finding and is parsed (static/prefilter.py).
DEEP = "import keras\nx = " + " and ".join(["a"] * 8000) + "\nm = keras.Sequential()\n"  # segfaulted libcst
FOLDING = "import keras\nm = keras.Sequential()\nx = 99999999\n" + "x = x * x\n" * 30  # froze the server
SUM = "import keras\nm = keras.Sequential()\nx = " + "+".join(["1"] * 3000) + "\n"  # blocked requests for seconds


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class RawClient:
    """The server as a subprocess, with a thread collecting every frame it writes."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kerascheck", "server", "--debounce-ms", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=root,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 100
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line in (b"\r\n", b"\n"):
                    break
            assert length is not None
            self.messages.put(json.loads(stream.read(length)))

    def send(self, raw: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(raw)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        self.send(frame({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}))
        return self.wait_for(lambda m: m.get("id") == self.next_id and "method" not in m)

    def wait_for(self, matches: Any) -> dict[str, Any]:
        while True:
            message = self.messages.get(timeout=TIMEOUT)
            if matches(message):
                return message

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        message = self.wait_for(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
        )
        return list(message["params"]["diagnostics"])

    def alive(self) -> bool:
        """A request answered: hover over a document nobody opened is ``null``, not an error."""
        answer = self.request(
            "textDocument/hover",
            {"textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0, "character": 0}},
        )
        return "result" in answer

    def initialize(self, root: Path) -> dict[str, Any]:
        answer = self.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        self.notify("initialized", {})
        return answer

    def open(self, uri: str, text: str) -> None:
        document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})

    def close(self) -> int:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
        return self.process.wait(timeout=TIMEOUT)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[RawClient]:
    raw = RawClient(tmp_path)
    try:
        raw.initialize(tmp_path)
        yield raw
    finally:
        if raw.process.poll() is None:
            raw.process.kill()
        raw.process.wait(timeout=TIMEOUT)


MALFORMED = {
    "length is not a number": b"Content-Length: abc\r\n\r\n{}",
    "negative length": b"Content-Length: -5\r\n\r\n{}",
    "length too short": b'Content-Length: 5\r\n\r\n{"jsonrpc": "2.0", "method": "initialized", "params": {}}',
    "junk between frames": b"\x00\xff garbage \r\nmore junk\r\n",
    "body is not JSON": b"Content-Length: 3\r\n\r\nabc",
    "body is deeply nested JSON": b"Content-Length: 200000\r\n\r\n" + b"[" * 100_000 + b"]" * 100_000,
    "body is JSON but no message": b"Content-Length: 5\r\n\r\n[1,2]",
    "length beyond the limit": b"Content-Length: 99999999999\r\n\r\n",
    "no blank line": b"Content-Length: 2\r\n{}",
}


def test_each_malformed_frame_leaves_the_server_answering(client: RawClient) -> None:
    for name, raw in MALFORMED.items():
        client.send(raw)
        assert client.alive(), name
    assert client.process.poll() is None


def test_a_non_json_body_gets_the_json_rpc_parse_error(client: RawClient) -> None:
    client.send(b"Content-Length: 3\r\n\r\nabc")
    error = client.wait_for(lambda m: "error" in m and m.get("id") is None)
    assert error["error"]["code"] == -32700


@pytest.mark.parametrize("text", [DEEP, FOLDING, SUM], ids=["deep-and", "integer-folding", "long-sum"])
def test_documents_that_broke_the_server_get_one_line_and_it_keeps_answering(
    client: RawClient, tmp_path: Path, text: str
) -> None:
    uri = (tmp_path / "hostile.py").as_uri()
    client.open(uri, text)
    found = client.diagnostics(uri)
    assert [d["code"] for d in found] in ([], ["KC001"], ["KC003"])
    if text is DEEP:
        assert [d["code"] for d in found] == ["KC003"]
    assert client.alive()


def test_second_initialize_is_refused_and_documents_are_kept(client: RawClient, tmp_path: Path) -> None:
    uri = (tmp_path / "m.py").as_uri()
    client.open(uri, BAD_PROGRAM)
    assert [d["code"] for d in client.diagnostics(uri)] == ["KC101"]
    answer = client.initialize(tmp_path)
    assert answer["error"]["code"] == -32600
    # The document is still known: an incremental edit applies to it and the finding goes away.
    line = BAD_PROGRAM.splitlines().index("model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])")
    column = BAD_PROGRAM.splitlines()[line].index("layers.Dense(3)") + len("layers.Dense(3")
    change = {
        "range": {"start": {"line": line, "character": column}, "end": {"line": line, "character": column}},
        "text": ', activation="softmax"',
    }
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]})
    assert client.diagnostics(uri) == []


def test_exit_without_shutdown_is_status_1(tmp_path: Path) -> None:
    raw = RawClient(tmp_path)
    raw.initialize(tmp_path)
    raw.notify("exit")
    assert raw.close() == 1


def test_exit_after_shutdown_is_status_0(tmp_path: Path) -> None:
    raw = RawClient(tmp_path)
    raw.initialize(tmp_path)
    assert "result" in raw.request("shutdown")
    raw.notify("exit")
    assert raw.close() == 0
