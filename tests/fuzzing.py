"""Seeded input generators for the fuzz suite (tests/test_fuzz.py), and its child-process runner.

Everything here is deterministic for a seed: a failure prints the seed and
the case number, and ``python tests/fuzzing.py show SEED CASE`` writes that
input to stdout to reproduce it. Inputs are mutations of the repository's
own fixtures and examples, programs generated from Keras-shaped fragments,
notebooks built from both, and the pathological shapes of issue 14.

The lint cases run in a child process (``python tests/fuzzing.py lint SEED
COUNT``): a crash of native code is then a failed test naming the case, not
a dead pytest.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 14
CI_CASES = 60  # a CI-sized run; KERASCHECK_FUZZ=N runs N cases per family instead


def corpus() -> list[bytes]:
    """The repository's own Keras programs: fixtures and examples."""
    paths = sorted((ROOT / "tests" / "fixtures").rglob("*.py")) + sorted((ROOT / "examples").glob("*.py"))
    return [path.read_bytes() for path in paths]


def notebook_corpus() -> list[bytes]:
    return [path.read_bytes() for path in sorted((ROOT / "tests" / "fixtures").rglob("*.ipynb"))]


TOKENS = [
    "(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "+", "-", "*", "**", "/", "@", "~", "<", ">", "==",
    "and", "or", "not", "if", "else", "elif", "lambda", "def", "class", "return", "yield", "await", "async",
    "for", "in", "while", "with", "as", "import", "from", "global", "del", "pass", "\\", "'", '"', '"""',
    "#", "\t", "    ", "\n", "\r", "\r\n", "\x0c", "\\x", "\\N{NO SUCH NAME}", "\\u12", "1" * 5000, "0x",
    "1e999", "1_", "__", "keras", "model", "fit(", "compile(", "Dense(", "softmax", "from_logits=True",
    "\ufeff", "\u2028", "\u00e9", "\U0001f680", "\u200b", "\x00", "%time ", "!pip ", "?",
]  # fmt: skip
CODECS = ["latin-1", "utf-8", "undefined", "punycode", "unicode_escape", "rot13", "utf-16", "cp1252", "nope"]
DEEP_SHAPES: list[Callable[[int], str]] = [
    lambda n: "x = " + " and ".join(["a"] * n) + "\n",
    lambda n: "x = " + "not " * n + "a\n",
    lambda n: "x = " + "- " * n + "a\n",
    lambda n: "x = " + "~" * n + "a\n",
    lambda n: "x = " + "lambda: " * n + "1\n",
    lambda n: "x = " + "1 if a else " * n + "1\n",
    lambda n: "x = " + "**".join(["2"] * n) + "\n",
    lambda n: "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    lambda n: "x = " + "+".join(["1"] * n) + "\n",
    lambda n: "x = (" + "+\n".join(["1"] * n) + ")\n",
    lambda n: "x = a" + ".b" * n + "\n",
    lambda n: "x = f" + "()" * n + "\n",
    lambda n: "x = a" + "[0]" * n + "\n",
    lambda n: "x = " + " ".join(['"a"'] * n) + "\n",
    lambda n: "x = " + "(" * n + ")" * n + "\n",
    lambda n: "x = " + "[" * n + "]" * n + "\n",
    lambda n: "".join("    " * i + "if a:\n" for i in range(min(n, 120))) + "    " * min(n, 120) + "pass\n",
    lambda n: "x = 99999999\n" + "x = x * x\n" * min(n, 60),
]


def mutate(rng: random.Random, raw: bytes) -> bytes:
    """One to three random mutations of the kinds a real broken file has (and some no file should)."""
    data = raw
    for _ in range(rng.randint(1, 3)):
        data = rng.choice(_MUTATIONS)(rng, data)
    return data


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _delete_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _duplicate_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    index = rng.randrange(len(lines))
    lines.insert(index, lines[index])
    return b"\n".join(lines)


def _swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _insert_token(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(TOKENS).encode("utf-8", "surrogatepass") + data[at:]


def _flip_byte(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    at = rng.randrange(len(data))
    return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]


def _line_endings(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\r", b"\x0c\n"]))


def _bom(rng: random.Random, data: bytes) -> bytes:
    return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xef\xbb\xbf\xef\xbb\xbf"]) + data


def _cookie(rng: random.Random, data: bytes) -> bytes:
    return f"# -*- coding: {rng.choice(CODECS)} -*-\n".encode() + data


def _long_line(rng: random.Random, data: bytes) -> bytes:
    line = rng.choice(
        [b"x = 1  # " + b"a" * 60_000, b"x = [" + b"1, " * 5_000 + b"]", b"s = '" + b"\xc3\xa9" * 30_000 + b"'"]
    )
    return data + b"\n" + line + b"\n"


def _deep(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([50, 300, 450, 1_000, 3_000, 9_000])
    return data + b"\n" + rng.choice(DEEP_SHAPES)(depth).encode()


_MUTATIONS = [
    _delete_line, _duplicate_line, _swap_lines, _truncate, _insert_token, _insert_token, _flip_byte,
    _line_endings, _bom, _cookie, _long_line, _deep,
]  # fmt: skip


# -- generated programs ---------------------------------------------------------------------

LAYERS = [
    'layers.Dense({units})', 'layers.Dense({units}, activation="{act}")', 'layers.Dropout(0.{units})',
    'layers.Activation("{act}")', 'layers.Activation("linear", dtype="float32")', "layers.Flatten()",
    'layers.Conv2D({units}, 3, activation="{act}")', "layers.GlobalAveragePooling2D()", "layers.BatchNormalization()",
    'layers.LSTM({units}, return_sequences={flag})', "layers.Softmax()",
]  # fmt: skip
ACTIVATIONS = ["relu", "softmax", "sigmoid", "linear", "tanh", "gelu", None]
LOSSES = [
    '"categorical_crossentropy"', '"sparse_categorical_crossentropy"', '"binary_crossentropy"', '"mse"',
    "keras.losses.SparseCategoricalCrossentropy(from_logits={flag})", '"hinge"',
    "keras.losses.CategoricalCrossentropy(from_logits={flag})", "loss_fn",
]  # fmt: skip
METRICS = ['["accuracy"]', '["mae"]', "[keras.metrics.AUC()]", '["sparse_categorical_accuracy"]', "None"]


def generated_program(rng: random.Random) -> str:
    """A valid Python program in the shapes of Keras training scripts (Sequential, functional, helpers)."""

    def fill(template: str) -> str:
        act = rng.choice(ACTIVATIONS)
        return template.format(units=rng.choice([1, 2, 3, 10, 64]), act=act or "linear", flag=rng.choice([True, False]))

    layers_ = [fill(rng.choice(LAYERS)) for _ in range(rng.randint(0, 6))]
    lines = ["import keras", "from keras import layers", "import numpy as np", ""]
    style = rng.randrange(3)
    if style == 0:
        lines.append(f"model = keras.Sequential([keras.Input(shape=(8,)), {', '.join(layers_)}])")
    elif style == 1:
        lines += ["inputs = keras.Input(shape=(8,))", "x = inputs"]
        lines += [f"x = {layer}(x)" for layer in layers_]
        lines.append("model = keras.Model(inputs, x)")
    else:
        lines += ["def build(units):", "    model = keras.Sequential()", "    model.add(keras.Input(shape=(8,)))"]
        lines += [f"    model.add({layer})" for layer in layers_]
        lines += ["    return model", "", f"model = build({rng.choice([1, 3, 10])})"]
    if rng.random() < 0.3:
        lines = [*lines[:4], "for _ in range(2):", "    pass", *lines[4:]]
    lines.append(f"model.compile(optimizer='adam', loss={fill(rng.choice(LOSSES))}, metrics={rng.choice(METRICS)})")
    if rng.random() < 0.5:
        lines += [
            f"x_train = np.random.rand(100, 8); y_train = np.random.randint(0, {rng.choice([2, 10])}, size=(100,))",
            f"model.fit(x_train, y_train, epochs={rng.randint(1, 5)}, validation_split=0.{rng.randint(1, 3)})",
        ]
    return "\n".join(lines) + "\n"


def notebook(rng: random.Random, sources: list[str]) -> bytes:
    """Code cells (and a markdown cell) as nbformat 4 JSON."""
    cells: list[dict[str, object]] = [{"cell_type": "markdown", "metadata": {}, "source": "# notes"}]
    for source in sources:
        lines = source.splitlines(keepends=True)
        cell_source: object = lines if rng.random() < 0.5 else source
        cells.append(
            {"cell_type": "code", "metadata": {}, "source": cell_source, "outputs": [], "execution_count": None}
        )
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=rng.choice([None, 1, 2])).encode("utf-8")


def mutated_notebook(rng: random.Random, base: bytes) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return mutate(rng, base)  # bytes of the JSON itself: truncation, junk, flipped bytes
    if choice == 1:
        return b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    text = base.decode("utf-8", "replace")
    try:
        document = json.loads(text)
    except ValueError:
        return base
    for cell in document.get("cells", []) if isinstance(document, dict) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code" and rng.random() < 0.5:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            cell["source"] = mutate(rng, source.encode("utf-8")).decode("utf-8", "replace")
    if choice == 3:
        # Many broken cells (each costs a re-parse today: a longer run, KERASCHECK_FUZZ, multiplies more).
        document["cells"] = document.get("cells", []) * rng.randint(2, 6 if _cases() <= CI_CASES else 30)
    return json.dumps(document).encode("utf-8")


def _cases() -> int:
    import os

    return int(os.environ.get("KERASCHECK_FUZZ", CI_CASES))


def lint_cases(seed: int, count: int) -> Iterator[tuple[str, bytes]]:
    """``count`` cases of each family: (file name, bytes)."""
    rng = random.Random(seed)
    sources = corpus()
    notebooks = notebook_corpus()
    for _ in range(count):
        yield "mutated.py", mutate(rng, rng.choice(sources))
        yield "generated.py", generated_program(rng).encode("utf-8")
        program_cells = [generated_program(rng) for _ in range(rng.randint(1, 4))]
        base = notebook(rng, program_cells) if rng.random() < 0.5 or not notebooks else rng.choice(notebooks)
        yield "mutated.ipynb", mutated_notebook(rng, base)


# -- the child: lint every case, report the first problem ---------------------------------------


def check_case(name: str, raw: bytes) -> str | None:
    """The contract for one input: no exception, well-formed diagnostics; a problem or None."""
    import re

    from kerascheck.static.lint import lint_bytes

    try:
        found = lint_bytes(raw, name)
    except BaseException as error:
        return f"raised {type(error).__name__}: {error}"
    for diagnostic in found:
        if not re.fullmatch(r"KC\d{3}", diagnostic.code) or "\n" in diagnostic.message:
            return f"malformed diagnostic {diagnostic!r}"
        span = diagnostic.span
        if span is None or span.line < 1 or span.column < 1:
            return f"bad position {diagnostic!r}"
        if name.endswith(".py") and (span.end_line, span.end_column) < (span.line, span.column):
            return f"span ends before it starts {diagnostic!r}"
    if name == "generated.py" and any(d.code in ("KC001", "KC002") for d in found):
        return f"a valid generated program got {[d.message for d in found]}"
    return None


def _main(argv: list[str]) -> int:
    command, seed, count = argv[0], int(argv[1]), int(argv[2])
    cases = list(lint_cases(seed, count)) if command == "lint" else []
    if command == "show":
        name, raw = list(lint_cases(seed, count // 3 + 1))[count]
        sys.stdout.buffer.write(raw)
        return 0
    for number, (name, raw) in enumerate(cases):
        print(f"case {number} {name}", file=sys.stderr, flush=True)  # the last line names a crash
        problem = check_case(name, raw)
        if problem is not None:
            print(json.dumps({"case": number, "name": name, "problem": problem[:2000]}))
            return 1
    print(json.dumps({"cases": len(cases)}))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(_main(sys.argv[1:]))
