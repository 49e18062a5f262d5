"""The static dtype facts: what element type each array handed to a model is known to have.

Facts only (no rule reads dtypes yet): ``fit.x``/``fit.y`` (``ArrayInfo.dtype``)
and the shape facts of the call (``DataCall.inputs``/``targets``, ``ArrayShape.dtype``).
Unknown is None: a call we do not model, an argument we cannot read, a width the
platform decides (Python's ``int``, ``np.random.randint``) is only a kind.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from kerascheck import facts as kf
from kerascheck.facts import DType
from kerascheck.facts import DTypeKind as K
from kerascheck.static.lint import extract_facts

PRELUDE = """\
import numpy as np
import keras
from keras import layers
from sklearn.model_selection import train_test_split

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy")
"""

FLOAT64 = DType(K.FLOAT, "float64")
FLOAT32 = DType(K.FLOAT, "float32")
UINT8 = DType(K.INTEGER, "uint8")
INTEGER = DType(K.INTEGER)
FLOAT = DType(K.FLOAT)


def fit_of(body: str) -> tuple[kf.Fit, kf.DataCall | None]:
    (model,) = extract_facts(cst.parse_module(PRELUDE + textwrap.dedent(body))).models
    (fit,) = model.fits
    calls = model.data_calls
    return fit, calls[0] if calls else None


def dtypes_of(body: str) -> tuple[DType | None, DType | None]:
    """(x, y) dtypes of the one fit, as ArrayInfo says; the shape facts must agree when present."""
    fit, call = fit_of(body)
    x = fit.x.dtype if fit.x is not None else None
    y = fit.y.dtype if fit.y is not None else None
    if call is not None:
        for shape, dtype in (
            (call.inputs[0] if call.inputs else None, x),
            (call.targets[0] if call.targets else None, y),
        ):
            if shape is not None:
                assert shape.dtype == dtype
    return x, y


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Constructors: numpy's defaults where certain, dtype= where given.
        ("model.fit(np.zeros((10, 4)), np.ones(10, dtype=np.int32))", (FLOAT64, DType(K.INTEGER, "int32"))),
        ("model.fit(np.empty((10, 4), 'float32'), np.full(10, 2))", (FLOAT32, INTEGER)),
        ("model.fit(np.full((10, 4), 0.5, dtype=None), np.full(10, True))", (FLOAT64, DType(K.BOOL, "bool"))),
        ("model.fit(np.random.rand(10, 4), np.random.randint(0, 3, size=10))", (FLOAT64, INTEGER)),
        ("model.fit(np.random.randn(10, 4), np.random.randint(0, 3, 10, dtype='uint8'))", (FLOAT64, UINT8)),
        ("model.fit(np.random.normal(size=(10, 4)), np.random.uniform(size=10))", (FLOAT64, FLOAT64)),
        # Literals and conversions.
        ("model.fit(np.array([[1.0, 2, 3, 4]]), np.array([2]))", (FLOAT64, INTEGER)),
        (
            "model.fit(np.asarray([[1, 2, 3, 4]], dtype='float16'), np.array([1, 2.5]))",
            (DType(K.FLOAT, "float16"), FLOAT64),  # ints and floats make floats
        ),
        # astype, with numpy's types, names and Python's types.
        ("model.fit(np.zeros((10, 4)).astype('float32'), np.zeros(10).astype(int))", (FLOAT32, INTEGER)),
        (
            "model.fit(np.zeros((10, 4)).astype(np.float16), np.zeros(10).astype(float))",
            (DType(K.FLOAT, "float16"), FLOAT64),
        ),
        # Reshaping and copying keep the dtype.
        (
            "model.fit(np.zeros((10, 2, 2), 'float32').reshape(10, 4),"
            " np.copy(np.random.randint(3, size=10, dtype='int8')))",
            (FLOAT32, DType(K.INTEGER, "int8")),
        ),
        # Unknown: a call we do not model, an argument we cannot read, a dtype we do not know.
        ("model.fit(np.log(np.zeros((10, 4))), np.zeros(10).astype(label_type))", (None, None)),
        ("model.fit(load_features(), np.array(labels))", (None, None)),
        ("model.fit(np.zeros((10, 4), dtype=wanted), np.zeros(10, dtype='datetime64[s]'))", (None, None)),
    ],
)
def test_constructor_and_conversion_dtypes(body: str, expected: tuple[DType | None, DType | None]) -> None:
    assert dtypes_of(body) == expected


def test_dataset_loaders_give_uint8_images_and_their_label_types() -> None:
    body = """
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    model.fit(x_train.reshape(-1, 784), y_train)
    """
    assert dtypes_of(body) == (UINT8, UINT8)
    body = """
    (x_train, y_train), _ = keras.datasets.cifar100.load_data()
    model.fit(x_train, y_train)
    """
    assert dtypes_of(body) == (UINT8, INTEGER)  # a Python list reshaped by numpy: the platform's int
    body = """
    (x_train, y_train), _ = keras.datasets.imdb.load_data()
    model.fit(x_train, y_train)
    """
    assert dtypes_of(body) == (None, None)


def test_true_division_makes_floats_and_splitting_keeps_the_dtype() -> None:
    body = """
    (x_train, y_train), _ = keras.datasets.fashion_mnist.load_data()
    x = x_train / 255.0
    x_tr, x_val, y_tr, y_val = train_test_split(x, y_train)
    model.fit(x_tr, y_val)
    """
    assert dtypes_of(body) == (FLOAT64, UINT8)
    body = """
    x = np.zeros((10, 4), dtype="float32") / 255
    y = np.ones(10) // 2
    model.fit(x, y)
    """
    assert dtypes_of(body) == (FLOAT32, None)  # floor division: not decided here
    body = """
    model.fit(features / 255.0, np.zeros(10) - 1)
    """
    x, y = dtypes_of(body)
    assert x is None and y is None  # not an array we know; subtraction is not decided


def test_to_categorical_is_a_float_of_unknown_width() -> None:
    body = """
    y = keras.utils.to_categorical(np.random.randint(0, 3, 10), 3)
    model.fit(np.zeros((10, 4), "float32"), y)
    """
    # Keras 3: float64 for numpy labels, float32 for tensors; tf.keras 2: float32.
    assert dtypes_of(body) == (FLOAT32, FLOAT)


def test_a_shadowed_python_type_is_not_read_as_one() -> None:
    body = """
    int = make_type()
    model.fit(np.zeros((10, 4)).astype(int), np.zeros(10).astype(bool))
    """
    assert dtypes_of(body) == (None, DType(K.BOOL, "bool"))


def test_the_shape_fact_carries_the_dtype() -> None:
    _fit, call = fit_of("model.fit(np.random.rand(10, 4), np.random.randint(0, 3, size=10))")
    assert call is not None
    (inputs,), (targets,) = call.inputs, call.targets
    assert inputs is not None and inputs.sample == (4,) and inputs.dtype == FLOAT64
    assert targets is not None and targets.sample == () and targets.dtype == INTEGER
    assert str(inputs.dtype) == "float64" and str(targets.dtype) == "integer (width unknown)"


def test_branches_that_differ_only_in_the_dtype_keep_the_array_without_one() -> None:
    body = """
    if half:
        x = np.zeros((10, 4), dtype="float16")
    else:
        x = np.zeros((10, 4), dtype="float32")
    y = np.ones(10, "int8") if half else np.ones(10, "int8")
    model.fit(x, y)
    """
    fit, call = fit_of(body)
    assert fit.x is not None and fit.x.dtype is None
    assert fit.y is not None and fit.y.dtype == DType(K.INTEGER, "int8")
    assert call is not None and call.inputs[0] is not None and call.inputs[0].sample == (4,)  # the shape survives
    assert call.inputs[0].dtype is None
