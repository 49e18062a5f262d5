"""The shared shape rules (kerascheck.shapes): layer output shapes, problems, and Keras's data rules.

Layers are built here the way both front-ends build them, through
``layer_facts.layer_fact`` with a reader of plain parameter values (the
runtime's config reader), so geometry parsing is covered too. The values are
Keras 3's ``compute_output_shape`` results (``tests/runtime/test_shape_semantics.py``
checks a sample against real Keras).
"""

from __future__ import annotations

from typing import Any

import pytest

from kerascheck.facts import Layer, Shape
from kerascheck.runtime.serialized import layer_from_config
from kerascheck.shapes import keras_rules as kr
from kerascheck.shapes.layers import INCOMPATIBLE, NON_POSITIVE, apply, propagate


def layer(kind: str, **config: Any) -> Layer:
    return layer_from_config(kind, {"name": kind.lower(), **config})


def out(kind: str, shape: Shape | list[Shape], **config: Any) -> Shape | None:
    shapes = shape if isinstance(shape, list) else [shape]
    outcome = apply(layer(kind, **config), shapes)
    assert outcome.problem is None, outcome.problem
    return outcome.shape


def problem(kind: str, shape: Shape | list[Shape], **config: Any) -> str:
    shapes = shape if isinstance(shape, list) else [shape]
    outcome = apply(layer(kind, **config), shapes)
    assert outcome.problem is not None, f"no problem, got {outcome.shape}"
    return outcome.problem.kind


@pytest.mark.parametrize(
    ("kind", "shape", "config", "expected"),
    [
        ("Dense", (20,), {"units": 8}, (8,)),
        ("Dense", (5, 20), {"units": 8}, (5, 8)),
        ("Conv2D", (28, 28, 1), {"filters": 32, "kernel_size": 3}, (26, 26, 32)),
        ("Conv2D", (28, 28, 1), {"filters": 32, "kernel_size": 3, "padding": "same"}, (28, 28, 32)),
        ("Conv2D", (28, 28, 1), {"filters": 4, "kernel_size": 3, "strides": 2}, (13, 13, 4)),
        ("Conv2D", (28, 28, 1), {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (14, 14, 4)),
        ("Conv2D", (28, 28, 1), {"filters": 4, "kernel_size": 3, "dilation_rate": 2}, (24, 24, 4)),
        ("Conv2D", (3, 32, 32), {"filters": 8, "kernel_size": 3, "data_format": "channels_first"}, (8, 30, 30)),
        ("Conv2D", (None, None, 3), {"filters": 8, "kernel_size": 3}, (None, None, 8)),
        ("Conv1D", (100, 8), {"filters": 16, "kernel_size": 5}, (96, 16)),
        ("Conv1D", (100, 8), {"filters": 16, "kernel_size": 5, "padding": "causal"}, (100, 16)),
        ("Conv3D", (16, 32, 32, 1), {"filters": 4, "kernel_size": 3}, (14, 30, 30, 4)),
        ("Conv2DTranspose", (7, 7, 64), {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"}, (14, 14, 8)),
        ("Conv2DTranspose", (7, 7, 64), {"filters": 32, "kernel_size": 3, "strides": 2}, (15, 15, 32)),
        ("DepthwiseConv2D", (32, 32, 3), {"kernel_size": 3, "depth_multiplier": 2}, (30, 30, 6)),
        ("MaxPooling2D", (26, 26, 32), {}, (13, 13, 32)),
        ("MaxPooling2D", (25, 25, 32), {"pool_size": 2}, (12, 12, 32)),
        ("MaxPooling2D", (25, 25, 32), {"pool_size": 2, "padding": "same"}, (13, 13, 32)),
        ("AveragePooling1D", (96, 16), {"pool_size": 4}, (24, 16)),
        ("MaxPooling2D", (9, 9, 3), {"pool_size": 3, "strides": 2}, (4, 4, 3)),
        ("GlobalAveragePooling2D", (7, 7, 64), {}, (64,)),
        ("GlobalMaxPooling1D", (50, 16), {"keepdims": True}, (1, 16)),
        ("Flatten", (7, 7, 64), {}, (3136,)),
        ("Flatten", (None, 64), {}, (None,)),
        ("Reshape", (784,), {"target_shape": [28, 28, 1]}, (28, 28, 1)),
        ("Reshape", (28, 28), {"target_shape": [-1, 4]}, (196, 4)),
        ("Reshape", (None, 8), {"target_shape": [-1, 4]}, (None, 4)),
        ("Permute", (10, 64), {"dims": [2, 1]}, (64, 10)),
        ("RepeatVector", (32,), {"n": 5}, (5, 32)),
        ("Embedding", (200,), {"input_dim": 10000, "output_dim": 64}, (200, 64)),
        ("LSTM", (50, 8), {"units": 32}, (32,)),
        ("LSTM", (50, 8), {"units": 32, "return_sequences": True}, (50, 32)),
        ("GRU", (None, 8), {"units": 4, "return_sequences": True}, (None, 4)),
        ("UpSampling2D", (7, 7, 3), {"size": [2, 2]}, (14, 14, 3)),
        ("UpSampling1D", (10, 3), {"size": 3}, (30, 3)),
        ("ZeroPadding2D", (28, 28, 1), {"padding": [[1, 2], [3, 4]]}, (31, 35, 1)),
        ("ZeroPadding1D", (10, 3), {"padding": 2}, (14, 3)),
        ("Cropping2D", (28, 28, 1), {"cropping": [[2, 2], [4, 4]]}, (24, 20, 1)),
        ("Cropping1D", (10, 3), {"cropping": [1, 2]}, (7, 3)),
        ("Dropout", (7, 7, 3), {"rate": 0.5}, (7, 7, 3)),
        ("BatchNormalization", (7, 7, 3), {}, (7, 7, 3)),
        ("Rescaling", (32, 32, 3), {"scale": 1 / 255}, (32, 32, 3)),
        ("TextVectorization", (1,), {"output_sequence_length": 200}, (200,)),
        ("TextVectorization", (), {"output_sequence_length": 50, "output_mode": "int"}, (50,)),
        ("Resizing", (480, 640, 3), {"height": 224, "width": 224}, (224, 224, 3)),
        ("CenterCrop", (256, 256, 3), {"height": 224, "width": 200}, (224, 200, 3)),
    ],
)
def test_layer_output_shapes(kind: str, shape: Shape, config: dict[str, Any], expected: Shape) -> None:
    assert out(kind, shape, **config) == expected


def test_wrappers() -> None:
    lstm = {"class_name": "LSTM", "config": {"units": 16, "return_sequences": True}, "module": "keras.layers"}
    assert out("Bidirectional", (40, 8), layer=lstm) == (40, 32)
    assert out("Bidirectional", (40, 8), layer=lstm, merge_mode="sum") == (40, 16)
    assert out("Bidirectional", (40, 8), layer=lstm, merge_mode=None) is None  # two outputs
    dense = {"class_name": "Dense", "config": {"units": 5}, "module": "keras.layers"}
    assert out("TimeDistributed", (40, 8), layer=dense) == (40, 5)
    assert out("LSTM", (40, 8), units=4, return_state=True) is None


def test_merges() -> None:
    assert out("Concatenate", [(16,), (8,)]) == (24,)
    assert out("Concatenate", [(10, 4), (10, 6)]) == (10, 10)
    assert out("Concatenate", [(10, 4), (12, 4)], axis=1) == (22, 4)
    assert out("Add", [(16,), (16,)]) == (16,)
    assert out("Multiply", [(16,), (1,)]) == (16,)  # Keras broadcasts a size-1 axis
    assert out("Add", [(None,), (16,)]) == (16,)
    assert problem("Concatenate", [(16,), (8, 4)]) == INCOMPATIBLE
    assert problem("Concatenate", [(10, 4), (12, 4)]) == INCOMPATIBLE
    assert problem("Add", [(16,), (8,)]) == INCOMPATIBLE
    assert out("Concatenate", [(None, 4), (12, 4)]) == (None, 8)  # unknown stays unknown


def test_problems() -> None:
    assert problem("Conv2D", (4, 4, 64), filters=8, kernel_size=5) == NON_POSITIVE
    assert problem("MaxPooling2D", (1, 1, 64), pool_size=2) == NON_POSITIVE
    assert problem("Cropping2D", (4, 4, 1), cropping=[[2, 2], [0, 0]]) == NON_POSITIVE
    assert problem("Reshape", (28, 28), target_shape=[30, 30]) == INCOMPATIBLE
    assert problem("Reshape", (10,), target_shape=[-1, 3]) == INCOMPATIBLE
    assert problem("LSTM", (32,), units=4) == INCOMPATIBLE
    assert problem("Conv2D", (28, 28), filters=4, kernel_size=3) == INCOMPATIBLE
    assert problem("RepeatVector", (4, 4), n=3) == INCOMPATIBLE


@pytest.mark.parametrize(
    ("kind", "shape", "config"),
    [
        ("Reshape", (28, 28), {"target_shape": [-1, -1]}),  # two -1: Keras says so itself
        ("Reshape", (28, 28), {"target_shape": [-3, 4]}),
        ("Conv2D", (10**7, 10**7, 3), {"filters": 4, "kernel_size": 3}),  # 3 * 10^14 elements: not data
        ("Conv2D", (-5, 28, 1), {"filters": 4, "kernel_size": 3}),
        ("Conv2D", (28, 28, 1), {"filters": 4, "kernel_size": "three"}),
        ("Conv2D", (28, 28, 1), {"filters": 4, "kernel_size": 3, "padding": "reflect"}),
        ("Permute", (4, 5), {"dims": [1, 1]}),
        ("Conv2DTranspose", (7, 7, 1), {"filters": 1, "kernel_size": 3, "output_padding": 1}),
        ("Lambda", (7, 7, 1), {}),
    ],
)
def test_absurd_or_unknown_is_silence(kind: str, shape: Shape, config: dict[str, Any]) -> None:
    outcome = apply(layer(kind, **config), [shape])
    assert outcome.problem is None and outcome.shape is None


def test_propagate_reports_the_first_problem_only() -> None:
    chain = [
        layer("InputLayer", batch_shape=[None, 28, 28, 1]),
        layer("Conv2D", filters=8, kernel_size=5),
        layer("MaxPooling2D"),
        layer("Conv2D", filters=8, kernel_size=5),
        layer("MaxPooling2D"),
        layer("Conv2D", filters=8, kernel_size=5),
        layer("Conv2D", filters=8, kernel_size=5),
    ]
    outcomes, final = propagate(chain)
    assert [o.shape for o in outcomes[:5]] == [(28, 28, 1), (24, 24, 8), (12, 12, 8), (8, 8, 8), (4, 4, 8)]
    assert outcomes[5].problem is not None and outcomes[5].problem.kind == NON_POSITIVE
    assert "spatial size 4" in outcomes[5].problem.detail and "5-wide kernel" in outcomes[5].problem.detail
    assert len(outcomes) == 6 and final is None


@pytest.mark.parametrize(
    ("data", "expected", "verdict"),
    [
        ((20,), (20,), kr.ACCEPTED),
        ((20,), (10,), kr.REJECTED),
        ((28, 28), (28, 28, 1), kr.ACCEPTED),  # Keras adds the trailing 1
        ((28, 28, 1), (28, 28), kr.ACCEPTED),  # ... and removes it
        ((784,), (28, 28, 1), kr.REJECTED),
        ((32, 32, 3), (28, 28, 3), kr.REJECTED),
        ((None, 8), (50, 8), None),
        ((50, 8), (None, 8), kr.ACCEPTED),
        ((), (10,), kr.REJECTED),
    ],
)
def test_input_fit(data: Shape, expected: Shape, verdict: str | None) -> None:
    assert kr.input_fit(data, expected) == verdict


B = kr.BATCH


@pytest.mark.parametrize(
    ("loss", "labels", "output", "verdict"),
    [
        ("sparse_categorical_crossentropy", (B,), (B, 10), kr.ACCEPTED),
        ("sparse_categorical_crossentropy", (B, 1), (B, 10), kr.ACCEPTED),
        ("sparse_categorical_crossentropy", (B, 10), (B, 10), kr.REJECTED),
        ("sparse_categorical_crossentropy", (B, 20), (B, 20, 5), kr.ACCEPTED),
        ("sparse_categorical_crossentropy", (B, 20, 1), (B, 20, 5), kr.ACCEPTED),
        ("sparse_categorical_crossentropy", (B,), (B, 20, 5), kr.REJECTED),
        ("categorical_crossentropy", (B, 10), (B, 10), kr.ACCEPTED),
        ("categorical_crossentropy", (B,), (B, 10), kr.REJECTED),
        ("categorical_crossentropy", (B, 3), (B, 10), kr.REJECTED),
        ("binary_crossentropy", (B,), (B, 1), kr.ACCEPTED),
        ("binary_crossentropy", (B, 1), (B, 1), kr.ACCEPTED),
        ("binary_crossentropy", (B, 3), (B, 1), kr.REJECTED),
        ("binary_crossentropy", (B, 1), (B, 3), kr.REJECTED),
        ("binary_crossentropy", (B, 20), (B, 20, 1), kr.ACCEPTED),
        ("mean_squared_error", (B,), (B, 1), kr.ACCEPTED),
        ("mean_squared_error", (B, 3), (B, 1), kr.BROADCAST),
        ("mean_squared_error", (B, 1), (B, 3), kr.BROADCAST),
        ("mean_squared_error", (B,), (B, 3), kr.REJECTED),
        ("mean_squared_error", (B, 3), (B, 5), kr.REJECTED),
        ("mean_absolute_error", (B, 4), (B, 4), kr.ACCEPTED),
        ("hinge", (B, 2), (B, 1), kr.BROADCAST),
        ("mean_squared_error", (B, None), (B, 3), None),
        ("kl_divergence", (B, 3), (B, 1), None),
        (None, (B, 3), (B, 1), None),
    ],
)
def test_label_fit(loss: str | None, labels: kr.Full, output: kr.Full, verdict: str | None) -> None:
    assert kr.label_fit(loss, labels, output) == verdict
