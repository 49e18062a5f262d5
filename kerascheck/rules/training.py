"""KC5xx: what a training run shows while it happens (runtime only: the Keras callback).

These rules read :class:`~kerascheck.facts.Training` facts, the epoch (and
batch) logs Keras reports, so no source snippet can demonstrate them: their
examples live in the runtime tests, built from hand-made logs and from real
short ``model.fit`` runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Epoch, ProgramFacts, Training
from kerascheck.rules.base import Rule, option


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _accuracy_keys(epoch: Epoch) -> list[str]:
    """Training accuracy-like metrics that have a validation counterpart in the same logs."""
    logs = dict(epoch.logs)
    keys = []
    for key in logs:
        if key.startswith("val_") or f"val_{key}" not in logs:
            continue
        if key in kv.ACCURACY_METRICS or key == "acc" or key.endswith(("accuracy", "_acc")):
            keys.append(key)
    return sorted(keys)


class Overfitting(Rule):
    """
    ## What it does
    Watches the epoch logs of a training run and flags overfitting: the
    validation loss has not improved on its best for `patience` epochs and is
    now worse, while the training loss kept falling; or a training accuracy
    that runs ahead of the validation accuracy by more than `gap`.

    ## Why is this bad?
    From that point on the model memorises the training set instead of
    learning the task: every further epoch makes it worse on new data while
    the training curve looks better than ever. Without a check, the last
    (worst) weights are the ones that get saved and shipped.

    ## Example
    ```python
    model.fit(x, y, validation_split=0.2, epochs=200)
    # epoch 40: loss 0.05, val_loss 0.90 (best val_loss 0.35 at epoch 12)
    ```

    ## Use instead
    ```python
    early_stop = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    model.fit(x, y, validation_split=0.2, epochs=200, callbacks=[early_stop])
    # and add regularisation (Dropout, weight decay, data augmentation) or more data
    ```

    ## References
    - [EarlyStopping](https://keras.io/api/callbacks/early_stopping/)
    """

    code = "KC501"
    name = "overfitting"
    severity = Severity.WARNING
    fix = "stop earlier (EarlyStopping with restore_best_weights=True) or regularise: Dropout, weight decay, more data"
    model_rule = False

    @dataclass(frozen=True)
    class Options:
        patience: int = option(3, "epochs since the best validation loss before a worse one counts", minimum=1)
        gap: float = option(0.1, "how far training accuracy may run ahead of validation accuracy", minimum=0.0)

    options: Options

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for training in facts.trainings:
            # Two signals, each reported on its own (the callback reports each once per run):
            # the validation loss rising past its best is the stronger and must not be
            # hidden by an accuracy gap seen epochs earlier.
            for message in (self._diverging_losses(training), self._accuracy_gap(training)):
                if message:
                    yield self.report(training.anchor, message)

    def _diverging_losses(self, training: Training) -> str | None:
        patience = self.options.patience
        epochs = [e for e in training.epochs if _finite(e.get("loss")) and _finite(e.get("val_loss"))]
        if len(epochs) <= patience:
            return None
        best = min(epochs, key=lambda e: e.get("val_loss") or 0.0)
        last = epochs[-1]
        since_best = sum(1 for e in epochs if e.index > best.index)
        val_best, val_last = best.get("val_loss") or 0.0, last.get("val_loss") or 0.0
        loss_best, loss_last = best.get("loss") or 0.0, last.get("loss") or 0.0
        if since_best >= patience and val_last > val_best and loss_last < loss_best:
            return (
                f"validation loss rose from {val_best:.4g} (epoch {best.index + 1}) to {val_last:.4g} "
                f"(epoch {last.index + 1}) while training loss fell from {loss_best:.4g} to {loss_last:.4g}"
            )
        return None

    def _accuracy_gap(self, training: Training) -> str | None:
        gap = self.options.gap
        if len(training.epochs) < 2:
            return None  # the first epoch's training accuracy is an average over a model still learning
        last = training.epochs[-1]
        losses = [loss for epoch in training.epochs if (loss := epoch.get("val_loss")) is not None]
        if losses and losses[-1] <= min(losses):
            return None  # validation is still improving: a gap alone (small or noisy val set) is not overfitting
        for key in _accuracy_keys(last):
            train, val = last.get(key), last.get(f"val_{key}")
            if train is not None and val is not None and _finite(train - val) and train - val > gap:
                return (
                    f"training {key} {train:.3f} is {train - val:.3f} above validation {key} {val:.3f} "
                    f"at epoch {last.index + 1} (threshold {gap:g})"
                )
        return None


class NoValidationData(Rule):
    """
    ## What it does
    Flags a training run without validation data: no `validation_data`, no
    `validation_split`, and no `val_` entries in the epoch logs.

    ## Why is this bad?
    The training loss always goes down. Without a held-out set nothing
    shows when the model stops learning and starts memorising (overfitting),
    and callbacks such as `EarlyStopping` or `ReduceLROnPlateau` have nothing
    meaningful to monitor.

    ## Example
    ```python
    model.fit(x_train, y_train, epochs=50)
    ```

    ## Use instead
    ```python
    model.fit(x_train, y_train, epochs=50, validation_split=0.2)
    # or validation_data=(x_val, y_val)
    ```
    """

    code = "KC502"
    name = "no-validation-data"
    severity = Severity.INFO
    fix = "pass validation_data=(x_val, y_val) or validation_split=0.2 to fit"
    model_rule = False

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for training in facts.trainings:
            if training.has_validation is False:
                yield self.report(training.anchor, "fit runs without validation data: overfitting cannot be seen")


class NonFiniteLoss(Rule):
    """
    ## What it does
    Flags a loss (training or validation, of any output) that became NaN or
    infinite, in an epoch or in a batch.

    ## Why is this bad?
    Once a NaN enters the weights every later prediction is NaN; training
    goes on printing `loss: nan` and the weights are useless. Usual causes:
    a learning rate far too high, `log(0)` in a custom loss, unscaled inputs,
    or NaN values in the data.

    ## Example
    ```python
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e10), loss="mse")
    ```

    ## Use instead
    ```python
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-2, clipnorm=1.0), loss="mse")
    # and check the data: np.isfinite(x).all(), scaled inputs
    ```

    ## References
    - [TerminateOnNaN](https://keras.io/api/callbacks/terminate_on_nan/)
    """

    code = "KC503"
    name = "non-finite-loss"
    severity = Severity.ERROR
    fix = "lower the learning rate or clip gradients, check the data for NaN/inf, guard log(0) in custom losses"
    model_rule = False

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for training in facts.trainings:
            message = self._first_non_finite(training)
            if message:
                yield self.report(training.anchor, message)

    @staticmethod
    def _first_non_finite(training: Training) -> str | None:
        for epoch in training.epochs:
            for key, value in epoch.logs:
                if key.endswith("loss") and not math.isfinite(value):
                    return f"{key} became {value} at epoch {epoch.index + 1}"
        epoch_number = len(training.epochs) + 1
        for batch in training.batches:
            for key, value in batch.logs:
                if key.endswith("loss") and not math.isfinite(value):
                    return f"{key} became {value} at epoch {epoch_number}, batch {batch.index + 1}"
        return None
