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
