"""The Neovim 0.7-0.10 setup from docs/editors.md, run in a headless Neovim against ``kerascheck server``.

CI installs Debian's neovim package (0.7) in ``.ci/run``; on a machine
without ``nvim`` the test is skipped (and in CI a skip is a failure). The
Lua block is taken from the docs verbatim, so the documented setup is the
one tested; a small harness waits for the diagnostics and writes them out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BAD_PROGRAM

ROOT = Path(__file__).parent.parent
MARKER = "-- kerascheck for Neovim 0.7 to 0.10"

HARNESS = """
local deadline = vim.loop.now() + 60000
local function finish()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(found, { code = d.code or lsp.code, lnum = d.lnum, col = d.col, source = d.source,
                          message = d.message })
  end
  vim.fn.writefile({ vim.fn.json_encode(found) }, vim.env.KERASCHECK_OUT)
  vim.cmd("qall!")
end
local timer = vim.loop.new_timer()
timer:start(100, 100, vim.schedule_wrap(function()
  if #vim.diagnostic.get(0) > 0 or vim.loop.now() > deadline then
    timer:stop()
    finish()
  end
end))
"""


def documented_setup() -> str:
    text = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```lua\n(.*?)```", text, re.S) if b.startswith(MARKER)]
    return block


@pytest.mark.skipif(shutil.which("nvim") is None, reason="needs Neovim (.ci/run installs Debian's package)")
def test_headless_neovim_gets_diagnostics_from_the_documented_setup(tmp_path: Path) -> None:
    version = subprocess.run(["nvim", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    major, minor = (int(n) for n in re.match(r"NVIM v(\d+)\.(\d+)", version).groups())  # type: ignore[union-attr]
    if (major, minor) >= (0, 11) or (major, minor) < (0, 7):
        pytest.skip(f"the documented start_client setup is for Neovim 0.7-0.10, not {version}")
    (tmp_path / "train.py").write_text(BAD_PROGRAM, encoding="utf-8")
    (tmp_path / "init.lua").write_text(documented_setup() + HARNESS, encoding="utf-8")
    out = tmp_path / "diagnostics.json"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # `kerascheck` itself
        "KERASCHECK_OUT": str(out),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    done = subprocess.run(
        ["nvim", "--headless", "--clean", "-u", str(tmp_path / "init.lua"), "train.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.exists(), f"Neovim wrote no result ({version}): {done.stdout[-2000:]} {done.stderr[-2000:]}"
    found = json.loads(out.read_text(encoding="utf-8"))
    assert [(d["code"], d["lnum"], d["col"], d["source"]) for d in found] == [("KC101", 3, 51, "kerascheck")]
    assert found[0]["message"].startswith("Dense outputs 3 units with no activation")
