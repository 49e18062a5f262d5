"""Notebook cells are read exactly as IPython reads them: a differential test against IPython itself.

The oracle is IPython's own input transformation (``TransformerManager`` from
``IPython.core.inputtransformer2``, via ``InteractiveShell.transform_cell``,
which adds the automagic prefilter for one-line cells). For every cell,
generated or hand-written, kerascheck's transformed cell must compile exactly
when IPython's does, and keep the cell's line count. Cell magics whose body
runs as code (``%%time``, ``%%capture``, ...) are judged by their body, which
is what IPython compiles when the cell runs.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator

import pytest

from kerascheck.static.ipython import AUTOMAGIC_NAMES, CellTransformError, cell_lines, transform_cell
from kerascheck.static.source import cells_program

IPython = pytest.importorskip("IPython", reason="IPython is a test dependency (the oracle)")

_BODY_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import os

    os.environ["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    instance = InteractiveShell.instance(config=config)
    # ipykernel (what runs notebooks) adds these line magics to the plain shell's.
    for name in ("autosave", "clear", "connect_info", "less", "man", "more", "qtconsole"):
        instance.register_magic_function(lambda line: None, "line", name)
    yield instance
    InteractiveShell.clear_instance()


def _compiles(text: str) -> bool:
    try:
        compile(text, "<cell>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def ipython_compiles(shell, cell: str) -> bool:  # type: ignore[no-untyped-def]
    """Does IPython's transformed cell compile (for a code-bodied cell magic: its body)?"""
    try:
        transformed = shell.transform_cell(cell)
    except Exception:  # IPython's transformation itself fails: the cell cannot run
        return False
    if transformed.startswith("get_ipython().run_cell_magic("):
        call = ast.parse(transformed).body[0]
        assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
        name, _line, body = (ast.literal_eval(argument) for argument in call.value.args)
        if name in _BODY_MAGICS:
            return ipython_compiles(shell, body)
        if name in ("python", "python3"):
            return _compiles(body)
    return _compiles(transformed)


def _keeps_lines(cell: str) -> bool:
    try:
        return len(transform_cell(cell).lines) == len(cell_lines(cell))
    except CellTransformError:  # IPython fails too (checked by the callers): no lines to keep
        return not kerascheck_compiles(cell)


def kerascheck_compiles(cell: str) -> bool:
    program = cells_program([(1, cell)])
    return not program.broken


# -- hand-written cells: (cell, compiles in IPython) ------------------------------------

HAND_WRITTEN = [
    ("!pip install -q tensorflow \\\n    keras-tuner \\\n    matplotlib\nimport keras\n", True),
    ("%pip install keras \\\n  tensorflow\nimport keras", True),
    ("x = (7\n% 2)\n", True),  # `%` inside brackets continues the expression
    ("ok = (a\n!= b)\n", True),
    ("  import keras\n  model = keras.Sequential()\n", True),  # IPython strips common indentation
    ("    x = 1\n  y = 2\n", False),
    ("%%bash\nls -la | grep x(\n", True),
    ("%%writefile train.py\nimport keras\ndef (\n", True),
    ("%%time\nmodel.fit(x, y)\n", True),
    ("%%time\nmodel.fit(x, y\n", False),
    ("%%capture out\n!pip install keras\nimport keras\n", True),
    ("%%timeit -n 1\n  f(x)\n", True),
    ("%%python\nprint('plain')\n", True),
    ("%%python\n!ls\n", False),
    ("model.fit?\n", True),
    ("keras.layers.Dense??\n", True),
    ("?keras.layers\n", True),
    ("%time model.fit(x, y)\n", True),
    ("%timeit -n 3 f(x)\n", True),
    ("%time for i in range(3): f(i)\n", True),
    ("ls ./data\n", True),
    ("cd ..\n", True),
    ("pip install keras\n", True),
    ("pip install keras\nimport keras\n", False),  # automagic only in one-line cells
    ("ls = 3\n", True),
    ("files = !ls *.csv\nprint(files)\n", True),
    ("out = %sx ls\n", True),
    ("for f in files:\n    !echo {f} \\\n      done\n    print(f)\n", True),
    ("if x:\n    %matplotlib inline\n", True),
    (">>> x = 1\n>>> y = x + 1\n", True),
    ("In [1]: x = 1\n   ...: y = 2\n", True),
    ('def f():\n    """\n    >>> f()\n    """\n    ...\n', True),
    ("print 'hello'\n", False),  # Python 2
    ("epochs = ?\n", False),  # an exercise blank
    ("x\u00a0= 1\n", False),  # a no-break space pasted into code
    ("x = 1 # what?\n", True),
    ("s = 'not ! a shell'\n", True),
    ("!echo 'unterminated\n", True),
    ("/print 1 2\n", True),
    (",print a b\n", True),
    ("\n\n   \n  x = 1\n\n", True),
    ("x = 1\r\ny = (2,\r 3)\r\n", True),
    ("if True:\n    x = 1\n  y = 2\n", False),
    ("", True),
    ("%%\n", True),
]


@pytest.mark.parametrize(("cell", "expected"), HAND_WRITTEN)
def test_hand_written_cells_compile_exactly_when_ipythons_do(shell, cell: str, expected: bool) -> None:  # type: ignore[no-untyped-def]
    assert ipython_compiles(shell, cell) is expected, "the expectation disagrees with IPython"
    assert kerascheck_compiles(cell) is expected
    assert _keeps_lines(cell), "line count changed"


# -- generated cells ------------------------------------------------------------------------

_SIMPLE = [
    "x = 1",
    "model.fit(x, y, epochs=3)",
    "print(x != y)",
    "y = x % 3",
    "s = 'a ! b % c ? d'",
    "import keras",
    "from keras import layers",
    "pass",
    "...",
    "# a comment?",
    "x = 1  # trailing?",
    "%matplotlib inline",
    "%load_ext tensorboard",
    "%time f(x)",
    "%timeit -n 2 f(x)",
    "%time x = g()",
    "%time for",
    "!pip install keras",
    "!!ls",
    "!ls {path}",
    "files = !ls",
    "out = %env",
    "a, b = !echo 1",
    "model.summary?",
    "keras.layers.Dense??",
    "?model",
    "%%time",
    "%%bash",
    "ls ./data",
    "cd /tmp",
    "pwd",
    "pip install -q keras",
    "ls = 3",
    "print 'x'",
    "epochs = ?",
    "x\u00a0= 2",
    "/print 1 2",
    ",f a b",
    ";f a b",
    ">>> x = 1",
    "... y = 2",
    "In [3]: z = 1",
    "   ...: w = 2",
    "return x",
    "await f()",
    "def (",
    "f(x,",
    "    x)",
    "!= y",
    "% 2)",
    "'''",
    '"""',
    "x = \\",
    "!pip install a \\",
    "%pip install b \\",
    "  c \\",
    "  d",
    "",
    "   ",
]
_OPENERS = ["for i in range(3):", "if x:", "def f():", "with open(p) as h:", "try:", "class A:"]
_BRACKETS = [("x = (", ")"), ("y = [1,", "]"), ("z = {", "}"), ("model.fit(x,", "    epochs=2)")]


def _generated(seed: int, count: int) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        lines: list[str] = []
        if rng.random() < 0.1:
            lines.append(rng.choice(["", "  ", "\n"]).rstrip("\n"))
        if rng.random() < 0.12:
            lines.append(rng.choice(["%%time", "%%capture out", "%%bash", "%%writefile a.py", "%%timeit"]))
        depth = 0
        for _ in range(rng.randint(1, 6)):
            roll = rng.random()
            indent = "    " * depth
            if roll < 0.15:
                lines.append(indent + rng.choice(_OPENERS))
                depth = min(depth + 1, 2)
                lines.append("    " * depth + rng.choice(_SIMPLE[:12]))
            elif roll < 0.25:
                opening, closing = rng.choice(_BRACKETS)
                lines.append(indent + opening)
                lines.append(indent + "    " + rng.choice(["1,", "% 2,", "!= 3,", "a", "# c?", "!ls"]))
                lines.append(indent + closing)
            elif roll < 0.3 and depth:
                depth -= 1
                lines.append("    " * depth + rng.choice(_SIMPLE))
            else:
                lines.append(indent + rng.choice(_SIMPLE))
        margin = rng.choice(["", "", "", "  ", "\t"])
        cell = "\n".join(margin + line if line else line for line in lines)
        yield cell + rng.choice(["", "\n", "\n\n"])


def test_generated_cells_compile_exactly_when_ipythons_do(shell) -> None:  # type: ignore[no-untyped-def]
    cells = list(_generated(seed=20261201, count=2400))
    agree = {True: 0, False: 0}
    disagreements = []
    for cell in cells:
        expected = ipython_compiles(shell, cell)
        if kerascheck_compiles(cell) is expected:
            agree[expected] += 1
        else:
            disagreements.append((cell, expected))
        assert _keeps_lines(cell), cell
    assert disagreements == []
    # The generator exercises both outcomes in earnest, not one.
    assert min(agree.values()) > 400, agree


def test_automagic_names_cover_ipythons_line_magics(shell) -> None:  # type: ignore[no-untyped-def]
    assert set(shell.magics_manager.magics["line"]) <= AUTOMAGIC_NAMES
