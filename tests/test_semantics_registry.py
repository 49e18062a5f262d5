"""The registry of library semantics: lookup order and the contract documented in its docstring."""

from __future__ import annotations

import itertools

from kerascheck.facts import Layer
from kerascheck.static.semantics import REGISTRY, Precedence
from kerascheck.static.semantics.registry import Registry
from kerascheck.static.values import UNKNOWN, BoundMethod, Const, Data, Estimator, LayerObj

# Canonical names the handlers are written for, including every family's members.
KNOWN_NAMES = (
    "keras.layers.Dense",
    "keras.layers.Input",
    "keras.Input",
    "keras.Sequential",
    "keras.Model",
    "keras.losses.CategoricalCrossentropy",
    "keras.metrics.Precision",
    "keras.utils.to_categorical",
    "keras.datasets.mnist.load_data",
    "keras.utils.image_dataset_from_directory",
    "keras.preprocessing.image.ImageDataGenerator",
    "numpy.argmax",
    "numpy.concatenate",
    "numpy.random.shuffle",
    "sklearn.preprocessing.StandardScaler",
    "sklearn.model_selection.train_test_split",
    "sklearn.metrics.accuracy_score",
    "sklearn.datasets.make_classification",
    "pandas.get_dummies",
    "tensorflow.one_hot",
    "tensorflow.data.Dataset.from_tensor_slices",
    "builtins.len",
    "numpy.random.randint",
    "numpy.linspace",
    "keras.applications.resnet50.preprocess_input",
    "keras.utils.img_to_array",
    "sklearn.preprocessing.scale",
    "PIL.Image.open",
    "random.uniform",
)


def test_families_at_one_precedence_do_not_overlap() -> None:
    for name in KNOWN_NAMES:
        families = [entry for entry in REGISTRY.candidates(name) if not entry.exact]
        for first, second in itertools.combinations(families, 2):
            assert first.precedence != second.precedence, f"{name}: {first.name} and {second.name} overlap"


def test_keras_constructors_come_before_tensor_operations_before_library_data() -> None:
    ranks = [entry.precedence for entry in REGISTRY.candidates("keras.layers.Dense")]
    assert ranks == [Precedence.KERAS_BUILD, Precedence.TENSOR_OP]
    ranks = [entry.precedence for entry in REGISTRY.candidates("numpy.argmax")]
    assert ranks == [Precedence.TENSOR_OP, Precedence.LIBRARY]


def test_exact_name_beats_family_at_the_same_precedence() -> None:
    entries = REGISTRY.candidates("keras.layers.Input")
    assert entries[0].exact and entries[0].name == "keras.layers.Input"
    assert not entries[1].exact and entries[1].name == "keras.layers.<Class>"


def test_unregistered_name_has_only_the_tensor_fallback() -> None:
    entries = REGISTRY.candidates("mylib.make_data")
    assert [entry.precedence for entry in entries] == [Precedence.TENSOR_OP]


def test_attributes_of_method_bearing_kinds_are_bound_methods() -> None:
    data = Data()
    assert REGISTRY.attribute_of(data, "values") is data
    assert REGISTRY.attribute_of(data, "shape") == BoundMethod(data, "shape")
    estimator = Estimator(kind="StandardScaler")
    assert REGISTRY.attribute_of(estimator, "fit") == BoundMethod(estimator, "fit")
    assert REGISTRY.attribute_of(Const(1), "real") is UNKNOWN
    assert REGISTRY.attribute_of(UNKNOWN, "sort_values") == BoundMethod(UNKNOWN, "sort_values")
    assert REGISTRY.attribute_of(UNKNOWN, "head") is UNKNOWN
    assert REGISTRY.attribute_of(LayerObj(Layer(kind="Dense")), "units") is UNKNOWN


def test_a_declining_handler_passes_to_the_next_candidate() -> None:
    from kerascheck.facts import NOWHERE
    from kerascheck.static.keras_api import Args
    from kerascheck.static.semantics import CallContext, ProgramState

    registry = Registry()
    seen: list[str] = []

    @registry.family("everything", lambda q: True, precedence=Precedence.KERAS_BUILD)
    def declines(ctx: CallContext) -> None:
        seen.append("family")
        return None

    @registry.function("lib.f")
    def answers(ctx: CallContext) -> Const:
        seen.append("exact")
        return Const(1)

    ctx = CallContext(args=Args([], {}, False), anchor=NOWHERE, env={}, state=ProgramState(), qualname="lib.f")
    assert registry.call_function(ctx) == Const(1)
    assert seen == ["family", "exact"]
