"""Inline suppression comments on the reported line."""

from __future__ import annotations

import pytest
from helpers import BAD_PROGRAM

from kerascheck import check_source

LINE = "model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])"


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("# noqa", True),
        ("# noqa: KC101", True),
        ("# noqa:KC101,KC404", True),
        ("# NOQA: kc1", True),
        ("# kerascheck: ignore[KC101]", True),
        ("# kerascheck: ignore", True),
        ("# noqa: KC102", False),
        ("# noqa: E501", False),
        ("# kerascheck: ignore[KC4]", False),
    ],
)
def test_comment(comment: str, suppressed: bool) -> None:
    source = BAD_PROGRAM.replace(LINE, f"{LINE}  {comment}")
    found = [d.code for d in check_source(source)]
    assert (found == []) is suppressed, found


def test_noqa_inside_a_string_does_not_count() -> None:
    source = BAD_PROGRAM.replace(LINE, f'{LINE}; note = "# noqa"')
    assert [d.code for d in check_source(source)] == ["KC101"]


def test_noqa_on_another_line_does_not_count() -> None:
    source = BAD_PROGRAM.replace(LINE, f"# noqa\n{LINE}")
    assert [d.code for d in check_source(source)] == ["KC101"]


# -- statements, files, and comments that suppress nothing (issue 11) --------------------------

MULTILINE = """\
import keras
model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(3),{dense}
]){close}
model.compile(loss="categorical_crossentropy")
"""


def _multiline(dense: str = "", close: str = "") -> list[str]:
    return [d.code for d in check_source(MULTILINE.format(dense=dense, close=close))]


def test_noqa_on_a_line_the_finding_spans_or_its_statements_ends() -> None:
    assert _multiline() == ["KC101"]
    assert _multiline(dense="  # noqa: KC101") == []
    assert _multiline(close="  # noqa: KC101") == []  # the statement's last line
    assert _multiline(close="  # noqa: KC102") == ["KC101"]


def test_noqa_inside_a_multi_line_call_counts() -> None:
    source = """\
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
model.compile(
    loss="categorical_crossentropy",
    metrics=["accuracy", keras.metrics.Precision()],  # noqa: KC203
)
"""
    baseline = source.replace("  # noqa: KC203", "")
    assert "KC203" in [d.code for d in check_source(baseline, select="KC2")]
    assert "KC203" not in [d.code for d in check_source(source, select="KC2")]


@pytest.mark.parametrize(
    ("comment", "left"),
    [
        ("# kerascheck: noqa", []),
        ("# kerascheck: noqa: KC1", []),
        ("# kerascheck: noqa: KC2", ["KC101"]),
        ("# kerascheck: ignore-file", []),
        ("# kerascheck: ignore-file[KC1]", []),
        ("# kerascheck: ignore-file[KC4, KC2]", ["KC101"]),
    ],
)
def test_file_level_comments(comment: str, left: list[str]) -> None:
    assert [d.code for d in check_source(f"{comment}\n{BAD_PROGRAM}")] == left
    # the line-level form never suppresses the whole file
    assert [d.code for d in check_source(f"import os  # kerascheck: ignore\n{BAD_PROGRAM}")] == ["KC101"]


def test_unused_and_unknown_codes_are_reported_only_when_asked() -> None:
    source = BAD_PROGRAM.replace(LINE, f"{LINE}  # noqa: KC101, KC404, KC999, E501")
    assert check_source(source) == []  # opt-in
    found = check_source(source, select=["KC010", "KC1", "KC4"])
    assert [(d.code, d.line, d.message) for d in found] == [
        ("KC010", 4, "suppression comment for KC404 suppresses nothing"),
        ("KC010", 4, "suppression comment names KC999, which is no kerascheck rule"),
    ]
    assert found[0].span is not None and found[0].span.column == len(LINE) + 3
    # a code whose rule is not selected is not "unused": it may fire under another selection
    assert [d.message for d in check_source(source, select=["KC010", "KC1"])] == [
        "suppression comment names KC999, which is no kerascheck rule"
    ]
    bare = BAD_PROGRAM.replace(LINE, f"# kerascheck: ignore[KC2]\n{LINE}  # noqa")
    assert [d.message for d in check_source(bare, select=["KC010", "ALL"])] == [
        "suppression comment for KC2 suppresses nothing"
    ]
