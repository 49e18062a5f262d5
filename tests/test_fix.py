"""Each autofix, before and after; idempotent; honouring safety, ``# noqa`` and shapes it cannot fix."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from kerascheck import check_source
from kerascheck.api import make_selection
from kerascheck.engine import Selection
from kerascheck.fix import all_autofixes, fix_safety
from kerascheck.fix.apply import fix_source

HEAD = """import numpy as np
import keras
from keras import layers
"""


def src(body: str) -> str:
    return HEAD + textwrap.dedent(body)


# (id, before, after, needs --unsafe-fixes)
CASES = [
    (
        "KC107 from_logits=False",
        src("""
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            """),
        src("""
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False))
            """),
        False,
    ),
    (
        "KC107 loss bound to a name, sigmoid layer",
        src("""
            loss_fn = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1), layers.Activation("sigmoid")])
            model.compile(loss=loss_fn)
            """),
        src("""
            loss_fn = keras.losses.BinaryCrossentropy(from_logits=False, label_smoothing=0.1)
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1), layers.Activation("sigmoid")])
            model.compile(loss=loss_fn)
            """),
        False,
    ),
    (
        "KC101 add the keyword",
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10)])
            model.compile(loss="categorical_crossentropy")
            """),
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation="softmax")])
            model.compile(loss="categorical_crossentropy")
            """),
        True,
    ),
    (
        "KC101 activation=None, single quotes kept",
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation=None, name='out')])
            model.compile(loss='sparse_categorical_crossentropy')
            """),
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation='softmax', name='out')])
            model.compile(loss='sparse_categorical_crossentropy')
            """),
        True,
    ),
    (
        # A linear Activation is the identity (often a float32 cast): the Dense decides, and the layer stays.
        "KC101 Activation('linear') layer",
        src("""
            model = keras.Sequential()
            model.add(keras.Input(shape=(8,)))
            model.add(layers.Dense(4))
            model.add(layers.Activation("linear"))
            model.compile(loss="categorical_crossentropy")
            """),
        src("""
            model = keras.Sequential()
            model.add(keras.Input(shape=(8,)))
            model.add(layers.Dense(4, activation="softmax"))
            model.add(layers.Activation("linear"))
            model.compile(loss="categorical_crossentropy")
            """),
        True,
    ),
    (
        "KC102 multi-line call with a trailing comma",
        src("""
            model = keras.Sequential()
            model.add(keras.Input(shape=(8,)))
            model.add(layers.Dense(
                1,
                name="score",
            ))
            model.compile(loss="binary_crossentropy")
            """),
        src("""
            model = keras.Sequential()
            model.add(keras.Input(shape=(8,)))
            model.add(layers.Dense(
                1,
                name="score",
                activation="sigmoid",
            ))
            model.compile(loss="binary_crossentropy")
            """),
        True,
    ),
    (
        "KC102 functional output, positional activation",
        src("""
            inputs = keras.Input(shape=(8,))
            outputs = layers.Dense(1, None)(inputs)
            model = keras.Model(inputs, outputs)
            model.compile(loss="binary_crossentropy")
            """),
        src("""
            inputs = keras.Input(shape=(8,))
            outputs = layers.Dense(1, "sigmoid")(inputs)
            model = keras.Model(inputs, outputs)
            model.compile(loss="binary_crossentropy")
            """),
        True,
    ),
    (
        "KC402 list element on its own line",
        src("""
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(10, activation="softmax"),
                layers.Activation("softmax"),  # make sure
            ])
            model.compile(loss="categorical_crossentropy")
            """),
        src("""
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(loss="categorical_crossentropy")
            """),
        False,
    ),
    (
        "KC402 list element inline, last",
        src("""
            model = keras.Sequential([layers.Dense(3, activation="softmax"), layers.Softmax()])
            model.compile(loss="categorical_crossentropy")
            """),
        src("""
            model = keras.Sequential([layers.Dense(3, activation="softmax")])
            model.compile(loss="categorical_crossentropy")
            """),
        False,
    ),
    (
        "KC402 model.add statement",
        src("""
            model = keras.Sequential()
            model.add(layers.Dense(1, activation="sigmoid"))
            model.add(layers.Activation("sigmoid"))
            model.compile(loss="binary_crossentropy")
            """),
        src("""
            model = keras.Sequential()
            model.add(layers.Dense(1, activation="sigmoid"))
            model.compile(loss="binary_crossentropy")
            """),
        False,
    ),
    (
        "KC206 np.argmax on one sigmoid unit",
        src("""
            from sklearn.metrics import f1_score
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(loss="binary_crossentropy")
            pred = np.argmax(model.predict(x), axis=-1)
            print(f1_score(y, pred))
            """),
        src("""
            from sklearn.metrics import f1_score
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(loss="binary_crossentropy")
            pred = (model.predict(x) > 0.5).astype(int).ravel()
            print(f1_score(y, pred))
            """),
        True,
    ),
    (
        "KC206 .argmax method on logits",
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])
            model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
            probs = model.predict(x)
            pred = probs.argmax(axis=1)
            """),
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])
            model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
            probs = model.predict(x)
            pred = (probs > 0).astype(int).ravel()
            """),
        True,
    ),
    (
        "KC207 predict_classes on softmax",
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(5, activation="softmax")])
            model.compile(loss="categorical_crossentropy")
            classes = model.predict_classes(x_test, batch_size=64)
            """),
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(5, activation="softmax")])
            model.compile(loss="categorical_crossentropy")
            classes = model.predict(x_test, batch_size=64).argmax(axis=-1)
            """),
        False,
    ),
    (
        "KC207 predict_classes on one sigmoid unit, predict_proba",
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(loss="binary_crossentropy")
            classes = model.predict_classes(x_test)
            probs = model.predict_proba(x_test)
            """),
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
            model.compile(loss="binary_crossentropy")
            classes = (model.predict(x_test) > 0.5).astype("int32")
            probs = model.predict(x_test)
            """),
        False,
    ),
]


@pytest.mark.parametrize(("name", "before", "after", "unsafe"), CASES, ids=[c[0] for c in CASES])
def test_fix_before_after(name: str, before: str, after: str, unsafe: bool) -> None:
    code = name.split()[0]
    assert code in {d.code for d in check_source(before, select=["ALL"])}
    assert fix_source(before, unsafe=unsafe, selection=_all()) == after
    cst.parse_module(after)
    assert code not in {d.code for d in check_source(after, select=["ALL"])}
    assert fix_source(after, unsafe=True, selection=_all()) == after  # a second --fix changes nothing
    if unsafe:
        assert fix_source(before, unsafe=False, selection=_all()) == before  # not without --unsafe-fixes


def _all() -> Selection:
    return make_selection(["ALL"])


NO_FIX = [
    (
        "KC402 in a functional graph",
        src("""
            inputs = keras.Input(shape=(8,))
            x = layers.Dense(3, activation="softmax")(inputs)
            outputs = layers.Activation("softmax")(x)
            model = keras.Model(inputs, outputs)
            model.compile(loss="categorical_crossentropy")
            """),
    ),
    (
        "KC402 the only statement of a block",
        src("""
            model = keras.Sequential()
            model.add(layers.Dense(3, activation="softmax"))
            for _ in range(1):
                model.add(layers.Activation("softmax"))
            model.compile(loss="categorical_crossentropy")
            """),
    ),
    (
        "KC107 loss shared with a logits head",
        src("""
            loss = keras.losses.CategoricalCrossentropy(from_logits=True)
            a = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
            a.compile(loss=loss)
            b = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3)])
            b.compile(loss=loss)
            """),
    ),
    (
        "KC207 unknown model output",
        src("""
            model = keras.models.load_model("m.keras")
            classes = model.predict_classes(x)
            """),
    ),
    (
        "KC101 suppressed with noqa",
        src("""
            model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10)])  # noqa: KC101
            model.compile(loss="categorical_crossentropy")
            """),
    ),
    ("syntax error", HEAD + "model = keras.Sequential([\n"),
    ("no keras at all", "print('hello')\n"),
]


@pytest.mark.parametrize("before", [c[1] for c in NO_FIX], ids=[c[0] for c in NO_FIX])
def test_no_fix(before: str) -> None:
    assert fix_source(before, unsafe=True, selection=_all()) == before


def test_two_fixes_in_one_file_and_noqa_on_another_line() -> None:
    before = src("""
        model = keras.Sequential([
            keras.Input(shape=(8,)),
            layers.Dense(10, activation="softmax"),
            layers.Activation("softmax"),
        ])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        other = keras.Sequential([layers.Dense(2, activation="softmax"), layers.Softmax()])  # noqa: KC402
        other.compile(loss="categorical_crossentropy")
        """)
    after = fix_source(before)
    assert 'layers.Activation("softmax")' not in after
    assert "from_logits=False" in after
    assert "layers.Softmax()])  # noqa: KC402" in after


def test_crlf_and_bom_are_kept() -> None:
    from kerascheck.engine import DEFAULT_SELECTION
    from kerascheck.fix.apply import fix_bytes

    before = src("""
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax"), layers.Softmax()])
        model.compile(loss="categorical_crossentropy")
        """).replace("\n", "\r\n")
    outcome = fix_bytes(b"\xef\xbb\xbf" + before.encode(), "m.py", DEFAULT_SELECTION)
    assert outcome.changed and outcome.after is not None
    content = outcome.after.content()
    assert content.startswith(b"\xef\xbb\xbf") and b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")
    assert b"layers.Softmax()" not in content


def test_registry() -> None:
    fixers = all_autofixes()
    assert {"KC101", "KC102", "KC107", "KC206", "KC207", "KC402"} <= set(fixers)
    assert fixers["KC107"].safe and fixers["KC402"].safe and fixers["KC207"].safe
    assert not fixers["KC101"].safe and not fixers["KC102"].safe and not fixers["KC206"].safe
    for code, fixer in fixers.items():
        assert fixer.why, f"{code}: say why the fix is (un)safe"


def test_fix_safety_says_whether_this_finding_is_fixed() -> None:
    """Safe, unsafe, or none: asked of the rule's fixer for each finding, so a declined fix is not advertised."""
    listed = src("""
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10), layers.Dense(3, activation="softmax")])
        model.add(layers.Activation("softmax"))
        model.compile(loss="categorical_crossentropy")
        """)
    functional = src("""
        inputs = keras.Input(shape=(8,))
        x = layers.Dense(10, activation="softmax")(inputs)
        outputs = layers.Activation("softmax")(x)
        model = keras.Model(inputs, outputs)
        """)
    linear = src("""
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10)])
        model.compile(loss="categorical_crossentropy")
        """)
    safety = {
        name: {d.code: fix_safety(d) for d in check_source(text, select=["ALL"])}
        for name, text in (("listed", listed), ("functional", functional), ("linear", linear))
    }
    assert safety["listed"]["KC402"] == "safe"
    assert safety["functional"]["KC402"] is None  # in a functional graph the fixer declines
    assert safety["linear"]["KC101"] == "unsafe"
    assert safety["listed"]["KC404"] is None  # no autofix at all


def test_the_fixable_mark_follows_the_finding_not_only_the_rule() -> None:
    """``[*]`` and the summary count only findings whose fix ``--fix`` would really apply."""
    from kerascheck.report.text import header, summary_lines

    listed = src("""
        model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
        model.add(layers.Activation("softmax"))
        """)
    functional = src("""
        inputs = keras.Input(shape=(8,))
        outputs = layers.Activation("softmax")(layers.Dense(3, activation="softmax")(inputs))
        model = keras.Model(inputs, outputs)
        """)
    (fixable,) = [d for d in check_source(listed) if d.code == "KC402"]
    (declined,) = [d for d in check_source(functional) if d.code == "KC402"]
    assert " KC402 [*] " in header(fixable)
    assert "[*]" not in header(declined)
    assert any("1 fixable with `--fix`" in line for line in summary_lines([fixable, declined]))
