"""``KerasCheckCallback``: kerascheck's rules while ``model.fit`` runs.

At train begin it inspects the model (and the data ``fit`` was given, when
that can be read without consuming the user's iterators); after each epoch,
and on a batch whose loss is not finite, it runs the KC5xx training rules on
the logs. Findings become :class:`KerasCheckWarning` warnings, or, with
``on_error="raise"``, error-severity findings raise :class:`KerasCheckError`.

The Keras subclass is built on first access (module ``__getattr__``), so
importing this module, like importing kerascheck, does not import Keras.
"""

from __future__ import annotations

import math
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

from kerascheck import engine
from kerascheck import facts as kf
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.rules import training as training_rules
from kerascheck.runtime.inspect import diagnostics_for, model_filename, selection_from
from kerascheck.runtime.model import facts_from_model, model_name

_FRAMES_TO_SEARCH = 64  # how far up the stack fit() may be from on_train_begin


class KerasCheckWarning(UserWarning):
    """A kerascheck finding reported during training; ``diagnostic`` holds the details."""

    def __init__(self, message: str, diagnostic: Diagnostic | None = None) -> None:
        super().__init__(message)
        self.diagnostic = diagnostic


class KerasCheckError(Exception):
    """Error-severity findings with ``on_error="raise"``; ``diagnostics`` holds them."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = list(diagnostics)


def format_finding(diagnostic: Diagnostic, *, with_fix: bool = False) -> str:
    """The CLI's text line without the position: ``KC101 [error] message (layer 'dense')``.

    ``with_fix`` adds the CLI's second line, ``  fix: ...`` (the warnings carry it).
    """
    where = f" (layer {diagnostic.layer!r})" if diagnostic.layer and diagnostic.span is None else ""
    line = f"{diagnostic.code} [{diagnostic.severity.value}] {diagnostic.message}{where}"
    return f"{line}\n  fix: {diagnostic.fix}" if with_fix and diagnostic.fix else line


# -- what fit() was given -----------------------------------------------------


@dataclass(frozen=True)
class FitArguments:
    """The data and validation settings of the running ``fit`` call, as far as they could be read."""

    x: Any = None
    y: Any = None
    partial: bool = False
    has_validation: bool | None = None
    validation_data: Any = None
    validation_split: float | None = None  # as fit() got it (0.0 by default)
    # Where the user called fit (file, line, module): warnings point there, not into Keras.
    caller: tuple[str, int, str] | None = None


def find_fit_arguments(model: Any) -> FitArguments | None:
    """Read ``fit``'s arguments from its stack frame (Keras hands callbacks no data).

    Best effort: a ``fit`` frame whose ``self`` is this model. Arrays are used
    whole; a ``tf.data.Dataset`` gives its first batch (a fresh iterator, the
    user's is untouched); a Keras ``PyDataset`` its item 0; a generator or
    iterator is never read (that would consume the user's data).
    """
    frame: FrameType | None = sys._getframe(1)
    try:
        for _ in range(_FRAMES_TO_SEARCH):
            if frame is None:
                return None
            if frame.f_code.co_name == "fit" and frame.f_locals.get("self") is model:
                return replace(_arguments_from(dict(frame.f_locals)), caller=_user_caller(frame))
            frame = frame.f_back
        return None
    finally:
        del frame


_LIBRARY_MODULES = ("keras", "tensorflow", "tf_keras", "kerascheck", "absl")


def _user_caller(frame: FrameType) -> tuple[str, int, str] | None:
    """The first frame above ``fit`` that is not Keras or TensorFlow: the user's ``fit`` call."""
    current: FrameType | None = frame
    for _ in range(_FRAMES_TO_SEARCH):
        if current is None:
            return None
        module = str(current.f_globals.get("__name__", ""))
        if module.split(".", 1)[0] not in _LIBRARY_MODULES:
            return current.f_code.co_filename, current.f_lineno, module
        current = current.f_back
    return None


def _arguments_from(local: Mapping[str, Any]) -> FitArguments:
    split = local.get("validation_split")
    validation_data = local.get("validation_data")
    has_validation = validation_data is not None or (isinstance(split, (int, float)) and split > 0)
    fraction = float(split) if isinstance(split, (int, float)) and not isinstance(split, bool) else None
    x, y = local.get("x"), local.get("y")
    if y is None and x is not None and not _in_memory(x):
        batch = _first_batch(x)
        if batch is None:
            return FitArguments(has_validation=has_validation)
        x, y = batch
        return FitArguments(x=x, y=y, partial=True, has_validation=has_validation)
    return FitArguments(
        x=x, y=y, has_validation=has_validation, validation_data=validation_data, validation_split=fraction
    )


def _in_memory(value: Any) -> bool:
    return isinstance(value, (Mapping, list, tuple)) or hasattr(value, "shape")


def _first_batch(source: Any) -> tuple[Any, Any] | None:
    module = type(source).__module__
    try:
        if module.startswith("tensorflow") and hasattr(source, "element_spec"):
            batch = next(iter(source))
        elif any(cls.__name__ in ("PyDataset", "Sequence") for cls in type(source).__mro__):
            batch = source[0]
        else:
            return None  # a generator or iterator: reading it would take a batch from training
    except Exception:
        return None
    if isinstance(batch, (tuple, list)) and len(batch) in (2, 3):
        return batch[0], batch[1]
    return batch, None


# -- the monitor: everything but the Keras base class -------------------------


_NUMBERS = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|inf")


def _signal(diagnostic: Diagnostic) -> str:
    """What makes a finding new within one run.

    Training findings change their numbers epoch by epoch: one report per code
    per run, except that KC501's two signals (a validation loss rising past its
    best, an accuracy gap) are each reported once: the stronger one must not be
    hidden by the other seen epochs earlier.
    """
    if diagnostic.code == training_rules.Overfitting.code:
        return _NUMBERS.sub("#", diagnostic.message)
    return "" if diagnostic.code.startswith("KC5") else diagnostic.message


def _numeric_logs(logs: Mapping[str, Any] | None) -> tuple[tuple[str, float], ...]:
    result = []
    for key, value in (logs or {}).items():
        try:
            result.append((str(key), float(value)))
        except (TypeError, ValueError):
            continue
    return tuple(result)


class TrainingMonitor:
    """Collects a run's logs into facts, runs the rules, reports each finding once per run."""

    def __init__(
        self,
        on_error: str = "warn",
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        patience: int | None = None,
        gap: float | None = None,
        options: engine.RuleOptions | None = None,
    ) -> None:
        if on_error not in ("warn", "raise"):
            raise ValueError(f'on_error must be "warn" or "raise", not {on_error!r}')
        self.on_error = on_error
        # patience/gap are shorthands for KC501's options; the rule validates them (OptionError is a ValueError).
        overfitting = {name: value for name, value in (("patience", patience), ("gap", gap)) if value is not None}
        self.selection: engine.Selection = (
            selection_from(select, ignore).with_options(options).with_options({"KC501": overfitting})
        )
        self._watch_batches = self.selection.enabled(training_rules.NonFiniteLoss)
        self.reported: list[Diagnostic] = []
        self._seen: set[tuple[str, str | None, str]] = set()
        self._epochs: list[kf.Epoch] = []
        self._has_validation: bool | None = None
        self._filename = "<model>"
        self._anchor = kf.NOWHERE
        self._caller: tuple[str, int, str] | None = None

    def begin(self, model: Any, arguments: FitArguments | None) -> None:
        """A new run: forget the last one, inspect the model and its data."""
        self.reported, self._seen, self._epochs = [], set(), []
        self._filename = model_filename(model)
        self._anchor = kf.Anchor(layer=model_name(model))
        arguments = arguments or FitArguments()
        self._has_validation = arguments.has_validation
        self._caller = arguments.caller
        try:
            facts = facts_from_model(
                model,
                arguments.x,
                arguments.y,
                partial=arguments.partial,
                validation_data=arguments.validation_data,
                validation_split=arguments.validation_split,
                method="fit",
            )
            found = diagnostics_for(facts, self.selection, self._filename)
        except Exception as error:  # never let the linter break the user's training run
            self._internal_error(error)
            return
        if self._has_validation is False:
            found += self._training_findings()
        self._report(found)

    def epoch_end(self, epoch: int, logs: Mapping[str, Any] | None) -> None:
        entry = kf.Epoch(index=epoch, logs=_numeric_logs(logs))
        self._epochs.append(entry)
        if self._has_validation is None:
            self._has_validation = any(key.startswith("val_") for key, _ in entry.logs)
        self._report(self._training_findings())

    def batch_end(self, batch: int, logs: Mapping[str, Any] | None) -> None:
        """Cheap unless the loss is not finite: only then are the rules run (once per run)."""
        if not self._watch_batches:
            return
        values = _numeric_logs(logs)
        if all(math.isfinite(v) for k, v in values if k.endswith("loss")):
            return
        if any(code == training_rules.NonFiniteLoss.code for code, _layer, _detail in self._seen):
            return  # a NaN loss stays NaN for every later batch: reported already
        self._report(self._training_findings(batches=(kf.Epoch(index=batch, logs=values),)))

    def _training_findings(self, batches: tuple[kf.Epoch, ...] = ()) -> list[Diagnostic]:
        training = kf.Training(
            epochs=tuple(self._epochs),
            has_validation=self._has_validation,
            anchor=self._anchor,
            batches=batches,
        )
        try:
            return diagnostics_for(kf.ProgramFacts(trainings=(training,)), self.selection, self._filename)
        except Exception as error:  # never let the linter break the user's training run
            self._internal_error(error)
            return []

    def _internal_error(self, error: Exception) -> None:
        """A failure of kerascheck itself: one warning per run, and training goes on."""
        key = ("internal", None, "")
        if key not in self._seen:
            self._seen.add(key)
            message = f"kerascheck could not check this run: {type(error).__name__}: {error}"
            self._warn(KerasCheckWarning(message))

    def _warn(self, warning: KerasCheckWarning) -> None:
        """Issue a warning at the user's ``fit`` call (where it was found), else near the callback."""
        if self._caller is None:
            warnings.warn(warning, stacklevel=5)
            return
        filename, line, module = self._caller
        warnings.warn_explicit(warning, KerasCheckWarning, filename, line, module=module)

    def _report(self, found: Sequence[Diagnostic]) -> None:
        errors: list[Diagnostic] = []
        for diagnostic in found:
            key = (diagnostic.code, diagnostic.layer, _signal(diagnostic))
            if key in self._seen:
                continue
            self._seen.add(key)
            self.reported.append(diagnostic)
            if self.on_error == "raise" and diagnostic.severity is Severity.ERROR:
                errors.append(diagnostic)
            else:
                self._warn(KerasCheckWarning(format_finding(diagnostic, with_fix=True), diagnostic))
        if errors:
            raise KerasCheckError("\n".join(format_finding(d) for d in errors), errors)


# -- the Keras callback, built on first use -----------------------------------


def _callback_base() -> type:
    """``keras.callbacks.Callback`` (Keras 3 / tf.keras), else tf_keras's for legacy Keras 2."""
    try:
        import keras

        base: type = keras.callbacks.Callback
    except ImportError:
        import tf_keras

        base = tf_keras.callbacks.Callback
    return base


def _build_callback_class() -> type:
    base = _callback_base()

    class KerasCheckCallback(base):  # type: ignore[misc, valid-type]
        """Run kerascheck during ``model.fit``.

        ``on_error="warn"`` (default) reports every finding as a
        :class:`KerasCheckWarning`; ``"raise"`` raises :class:`KerasCheckError`
        on error-severity findings (a broken output/loss pairing stops ``fit``
        before the first batch; a NaN loss stops it when it appears).
        ``select``/``ignore`` take codes or prefixes as in the CLI.
        ``options`` sets rule options by code (``{"KC501": {"patience": 5}}``);
        ``patience`` and ``gap`` are shorthands for KC501's: that many epochs of
        worsening validation loss, or a train/validation accuracy gap above that
        fraction, count as overfitting.
        """

        def __init__(
            self,
            on_error: str = "warn",
            select: Sequence[str] | None = None,
            ignore: Sequence[str] | None = None,
            patience: int | None = None,
            gap: float | None = None,
            options: engine.RuleOptions | None = None,
        ) -> None:
            super().__init__()
            self.monitor = TrainingMonitor(on_error, select, ignore, patience, gap, options)

        @property
        def findings(self) -> list[Diagnostic]:
            """Everything reported in the current (or last) run."""
            return list(self.monitor.reported)

        def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
            self.monitor.begin(self.model, find_fit_arguments(self.model))

        def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
            self.monitor.epoch_end(epoch, logs)

        def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
            self.monitor.batch_end(batch, logs)

    KerasCheckCallback.__module__ = __name__
    return KerasCheckCallback


def __getattr__(name: str) -> Any:
    if name == "KerasCheckCallback":
        cls = _build_callback_class()
        globals()["KerasCheckCallback"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
