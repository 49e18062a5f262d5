"""KerasCheckCallback in real (tiny) ``model.fit`` runs: warn and raise modes."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from kerascheck.runtime.callback import KerasCheckError, KerasCheckWarning, format_finding

RNG = np.random.default_rng(0)
X = RNG.random((32, 8)).astype("float32")
Y_BINARY = (np.arange(32) % 2).astype("float32")


def make_callback(**options: Any) -> Any:
    from kerascheck.runtime.callback import KerasCheckCallback

    return KerasCheckCallback(**options)


def binary_model(output: layers.Layer | None = None, loss: Any = "binary_crossentropy", **compile_args: Any) -> Any:
    model = keras.Sequential(
        [keras.Input((8,)), layers.Dense(8, activation="relu"), output or layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer=compile_args.pop("optimizer", "adam"), loss=loss, run_eagerly=True, **compile_args)
    return model


def fit_collecting(model: Any, *args: Any, **kwargs: Any) -> list[KerasCheckWarning]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(*args, verbose=0, **kwargs)
    return [w.message for w in caught if isinstance(w.message, KerasCheckWarning)]


def codes(found: list[KerasCheckWarning]) -> list[str]:
    return [w.diagnostic.code for w in found if w.diagnostic is not None]


def nan_loss(y_true: Any, y_pred: Any) -> Any:
    return keras.ops.mean(y_pred) * float("nan")


# -- at train begin: the model and its data -----------------------------------


def test_model_findings_are_warnings_with_the_cli_text() -> None:
    model = binary_model(output=layers.Dense(1, name="out"))  # KC102: no sigmoid with binary cross-entropy
    callback = make_callback()
    found = fit_collecting(model, X, Y_BINARY, epochs=1, callbacks=[callback])
    assert codes(found) == ["KC102"]
    first_line, fix_line = str(found[0]).split("\n")
    assert first_line.startswith("KC102 [error] Dense 'out' has no activation")
    assert first_line.endswith("(layer 'out')")
    assert fix_line == f"  fix: {callback.findings[0].fix}"
    assert str(found[0]) == format_finding(callback.findings[0], with_fix=True)


def test_warnings_point_at_the_users_fit_call() -> None:
    model = binary_model(output=layers.Dense(1, name="out"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_line = sys._getframe().f_lineno + 1
        model.fit(X, Y_BINARY, epochs=1, verbose=0, callbacks=[make_callback()])
    (warning,) = [w for w in caught if isinstance(w.message, KerasCheckWarning)]
    assert (warning.filename, warning.lineno) == (__file__, fit_line)


def test_raise_mode_stops_fit_before_training_on_an_error() -> None:
    model = binary_model(output=layers.Dense(1))
    with pytest.raises(KerasCheckError) as raised:
        model.fit(X, Y_BINARY, epochs=1, verbose=0, callbacks=[make_callback(on_error="raise")])
    assert [d.code for d in raised.value.diagnostics] == ["KC102"]
    assert "KC102 [error]" in str(raised.value)


def test_raise_mode_still_only_warns_on_warnings() -> None:
    model = binary_model(output=layers.Dense(1, activation="sigmoid"), loss="mse")
    model.compile(loss="binary_crossentropy", metrics=["accuracy"], run_eagerly=True)
    callback = make_callback(on_error="raise", select=["KC201"])  # an info finding
    found = fit_collecting(model, X, Y_BINARY, epochs=1, callbacks=[callback])
    assert codes(found) == ["KC201"]


def test_select_and_ignore() -> None:
    model = binary_model(output=layers.Dense(1))
    assert codes(fit_collecting(model, X, Y_BINARY, epochs=1, callbacks=[make_callback(ignore=["KC1"])])) == []


def test_labels_seen_at_train_begin_from_arrays() -> None:
    model = keras.Sequential([keras.Input((8,)), layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", run_eagerly=True)
    labels = (np.arange(32) % 3).astype("int64")  # integer labels with categorical cross-entropy
    with pytest.raises(KerasCheckError) as raised:
        model.fit(X, labels, verbose=0, callbacks=[make_callback(on_error="raise")])
    assert "KC303" in [d.code for d in raised.value.diagnostics]


@pytest.mark.filterwarnings("ignore:`shuffle=True`")
def test_first_batch_of_a_dataset_is_read_without_touching_training() -> None:
    model = keras.Sequential([keras.Input((8,)), layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", run_eagerly=True)
    one_hot = np.eye(3)[np.arange(32) % 3].astype("float32")  # one-hot with a sparse loss: KC302
    dataset = tf.data.Dataset.from_tensor_slices((X, one_hot)).batch(8)
    with pytest.raises(KerasCheckError) as raised:
        model.fit(dataset, verbose=0, callbacks=[make_callback(on_error="raise")])
    assert "KC302" in [d.code for d in raised.value.diagnostics]


@pytest.mark.filterwarnings("ignore:`shuffle=True`", "ignore:Your input ran out of data")
def test_a_generator_is_never_read_by_the_callback() -> None:
    pulled: list[int] = []

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for index in range(4):
            pulled.append(index)
            yield X[index * 8 : (index + 1) * 8], Y_BINARY[index * 8 : (index + 1) * 8]

    history = binary_model().fit(batches(), verbose=0, callbacks=[make_callback()])
    baseline: list[int] = list(pulled)
    pulled.clear()
    binary_model().fit(batches(), verbose=0)
    assert baseline == pulled  # the callback took nothing from the user's generator
    assert len(history.history["loss"]) == 1


def test_validation_split_over_labels_in_class_order_at_train_begin() -> None:
    ordered = np.sort(Y_BINARY)  # all zeros, then all ones: the last 25% are one class
    found = fit_collecting(binary_model(), X, ordered, epochs=1, validation_split=0.25, callbacks=[make_callback()])
    assert codes(found) == ["KC308"]
    assert codes(fit_collecting(binary_model(), X, Y_BINARY, epochs=1, validation_split=0.25,
                                callbacks=[make_callback()])) == []  # fmt: skip


def test_validation_data_that_is_the_training_data_at_train_begin() -> None:
    found = fit_collecting(binary_model(), X, Y_BINARY, epochs=1, validation_data=(X, Y_BINARY),
                           callbacks=[make_callback()])  # fmt: skip
    assert codes(found) == ["KC305"]
    assert "validation_data is the training data" in str(found[0])


# -- during training ----------------------------------------------------------


def test_no_validation_data_is_reported_once_when_selected() -> None:
    callback = make_callback(select=["KC502"])
    found = fit_collecting(binary_model(), X, Y_BINARY, epochs=2, callbacks=[callback])
    assert codes(found) == ["KC502"]
    found = fit_collecting(binary_model(), X, Y_BINARY, epochs=2, validation_split=0.25, callbacks=[callback])
    assert codes(found) == []


def test_nan_loss_is_reported_once_in_warn_mode() -> None:
    model = binary_model(loss=nan_loss)
    found = fit_collecting(model, X, Y_BINARY, epochs=2, batch_size=8, callbacks=[make_callback()])
    assert codes(found) == ["KC503"]
    assert "batch 1" in str(found[0])


def test_nan_loss_raises_in_raise_mode() -> None:
    model = binary_model(loss=nan_loss)
    with pytest.raises(KerasCheckError, match="KC503"):
        model.fit(X, Y_BINARY, epochs=3, batch_size=8, verbose=0, callbacks=[make_callback(on_error="raise")])


def test_exploding_learning_rate_gives_a_non_finite_loss() -> None:
    keras.utils.set_random_seed(0)
    targets = RNG.random((32, 1)).astype("float32") * 100
    model = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e10), loss="mse", run_eagerly=True)
    found = fit_collecting(model, X, targets, epochs=3, batch_size=8, callbacks=[make_callback()])
    assert codes(found) == ["KC503"]


def test_overfitting_on_memorised_random_labels() -> None:
    keras.utils.set_random_seed(0)
    x_train, x_val = RNG.random((64, 20)).astype("float32"), RNG.random((64, 20)).astype("float32")
    y_train, y_val = RNG.integers(0, 2, 64).astype("float32"), RNG.integers(0, 2, 64).astype("float32")
    model = keras.Sequential(
        [keras.Input((20,)), layers.Dense(256, activation="relu"), layers.Dense(1, activation="sigmoid")]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"], run_eagerly=True
    )
    callback = make_callback()
    found = fit_collecting(
        model, x_train, y_train, epochs=25, batch_size=32, validation_data=(x_val, y_val), callbacks=[callback]
    )
    # Each of KC501's two signals (rising validation loss, accuracy gap) at most once, though
    # they stay true for many epochs.
    assert set(codes(found)) == {"KC501"}
    kinds = [str(w).split(" ", 3)[2] for w in found]
    assert len(kinds) == len(set(kinds)) <= 2, [str(w) for w in found]
    assert callback.findings[0].code == "KC501"


def test_rising_validation_loss_is_reported_after_an_earlier_accuracy_gap() -> None:
    """25 epochs memorising noise: an accuracy gap early, then val_loss climbing far above its best."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_train, x_val = rng.normal(size=(200, 50)).astype("float32"), rng.normal(size=(200, 50)).astype("float32")
    y_train = (x_train[:, 0] + rng.normal(size=200) > 0).astype("float32")
    y_val = (x_val[:, 0] + rng.normal(size=200) > 0).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((50,)),
            layers.Dense(256, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy", metrics=["accuracy"])
    callback = make_callback()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(
            x_train, y_train, epochs=25, verbose=0, validation_data=(x_val, y_val), callbacks=[callback]
        )
    found = [w.message for w in caught if isinstance(w.message, KerasCheckWarning)]
    messages = [w.diagnostic.message for w in found if w.diagnostic is not None and w.diagnostic.code == "KC501"]
    val = history.history["val_loss"]
    assert max(val[-5:]) > 1.5 * min(val), "the run must overfit for this test to mean anything"
    rising = [m for m in messages if m.startswith("validation loss rose from")]
    assert len(rising) == 1, messages  # once per run, not once per epoch
    assert "while training loss fell from" in rising[0] and "(epoch " in rising[0]


def test_a_well_behaved_run_reports_nothing() -> None:
    model = binary_model(metrics=[keras.metrics.AUC()])
    found = fit_collecting(model, X, Y_BINARY, epochs=2, validation_split=0.25, callbacks=[make_callback()])
    assert found == []


def test_each_run_reports_again() -> None:
    model = binary_model(output=layers.Dense(1))
    callback = make_callback()
    assert codes(fit_collecting(model, X, Y_BINARY, epochs=1, callbacks=[callback])) == ["KC102"]
    assert codes(fit_collecting(model, X, Y_BINARY, epochs=1, callbacks=[callback])) == ["KC102"]


def test_a_failure_of_kerascheck_warns_once_and_training_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import kerascheck.runtime.callback as callback_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug in kerascheck")

    monkeypatch.setattr(callback_module, "facts_from_model", broken)
    monkeypatch.setattr(callback_module, "diagnostics_for", broken)
    model = binary_model()
    found = fit_collecting(model, X, Y_BINARY, epochs=2, callbacks=[make_callback(on_error="raise")])
    assert [str(w) for w in found] == ["kerascheck could not check this run: RuntimeError: bug in kerascheck"]


def test_fit_arguments_are_not_found_outside_fit() -> None:
    from kerascheck.runtime.callback import find_fit_arguments

    assert find_fit_arguments(binary_model()) is None


# -- the class itself -----------------------------------------------------------


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="on_error"):
        make_callback(on_error="ignore")
    with pytest.raises(ValueError, match="KC501 option 'patience' must be at least 1, not 0"):
        make_callback(patience=0)
    with pytest.raises(ValueError, match="KC501 has no option 'patince'"):
        make_callback(options={"KC501": {"patince": 2}})


def test_rule_options_reach_the_rules() -> None:
    """``options=`` (and the ``patience`` shorthand) set KC501's threshold for the run."""
    callback = make_callback(options={"KC501": {"gap": 0.3}}, patience=5)
    assert callback.monitor.selection.options_for("KC501") == {"gap": 0.3, "patience": 5}


def test_callback_is_a_keras_callback() -> None:
    assert isinstance(make_callback(), keras.callbacks.Callback)


def test_importing_the_callback_module_does_not_import_keras() -> None:
    code = (
        "import sys, kerascheck, kerascheck.runtime.callback, kerascheck.runtime.inspect\n"
        "bad = [m for m in ('keras', 'tensorflow', 'numpy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
