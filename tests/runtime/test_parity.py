"""Parity: every model rule's BAD and GOOD example, built as a real Keras model.

The static front-end reads each example as source; here the same source is
executed, every ``keras.Model`` it leaves behind is inspected at runtime
(with the data it was fitted on, else its ``x``/``y``), and both sides must
report the same model-rule codes. A BAD example must also fire its own rule
at runtime. All divergences are collected and reported together, by rule.

``Model.fit`` is replaced by a recorder while an example runs: what is under
test is what the front-ends see (model and data), not Keras's training loop,
and some BAD examples are exactly the mistakes that make ``fit`` crash
(one-hot labels with a sparse loss).
"""

from __future__ import annotations

import warnings
from typing import Any

import keras
import pytest

import kerascheck
from kerascheck.rules.base import all_rules
from kerascheck.runtime.inspect import inspect

MODEL_RULES = {code: rule for code, rule in all_rules().items() if rule.model_rule}
MODEL_CODES = frozenset(MODEL_RULES)


class MissingModule(Exception):
    """An example imports an optional library (e.g. scikit-learn) that is not installed."""


def _run_snippet(
    snippet: str,
) -> tuple[dict[str, Any], dict[int, tuple[Any, Any]], dict[int, list[Any]]]:
    """Execute an example; returns its namespace, the (x, y) each model was fitted on, and
    the inputs each model was asked to predict on."""
    keras.utils.clear_session(free_memory=False)
    fitted: dict[int, tuple[Any, Any]] = {}
    predicted: dict[int, list[Any]] = {}

    def record_fit(model: keras.Model, x: Any = None, y: Any = None, *args: Any, **kwargs: Any) -> Any:
        fitted[id(model)] = (x, y)
        return keras.callbacks.History()

    def record_predict(model: keras.Model, x: Any = None, *args: Any, **kwargs: Any) -> Any:
        predicted.setdefault(id(model), []).append(x)
        return None

    namespace: dict[str, Any] = {"__name__": "__kerascheck_example__"}
    original_fit, original_predict = keras.Model.fit, keras.Model.predict
    keras.Model.fit = record_fit  # type: ignore[method-assign]
    keras.Model.predict = record_predict  # type: ignore[method-assign]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(snippet, "<rule example>", "exec"), namespace)
    except ModuleNotFoundError as error:
        raise MissingModule(error.name or str(error)) from error
    finally:
        keras.Model.fit = original_fit  # type: ignore[method-assign]
        keras.Model.predict = original_predict  # type: ignore[method-assign]
    return namespace, fitted, predicted


def runtime_codes(snippet: str) -> set[str]:
    namespace, fitted, predicted = _run_snippet(snippet)
    models = [value for value in namespace.values() if isinstance(value, keras.Model)]
    assert models, "the example builds no keras.Model"
    found: set[str] = set()
    for model in models:
        x, y = fitted.get(id(model), (namespace.get("x"), namespace.get("y")))
        diagnostics = inspect(model, x=x, y=y, select=["ALL"])
        found |= {d.code for d in diagnostics}
        for inputs in predicted.get(id(model), []):  # what predict() got: the KC6xx input checks
            found |= {d.code for d in inspect(model, x=inputs, select=["KC6"])}
    return found & MODEL_CODES


def static_codes(snippet: str) -> set[str]:
    return {d.code for d in kerascheck.check_source(snippet, select=["ALL"])} & MODEL_CODES


def _first_line_of_difference(snippet: str) -> str:
    """The snippet's most telling lines (output layer, compile) for the failure report."""
    lines = [line.strip() for line in snippet.splitlines() if line.strip()]
    telling = [line for line in lines if "compile(" in line or "Dense(" in line or "Activation" in line]
    return " | ".join(telling[-3:]) or lines[-1]


def test_every_model_rule_example_gives_the_same_codes_at_runtime() -> None:
    divergences: dict[str, list[str]] = {}
    for code, rule in MODEL_RULES.items():
        for kind, examples in (("BAD", rule.BAD), ("GOOD", rule.GOOD)):
            for number, snippet in enumerate((e.source for e in examples), start=1):
                label = f"{kind}[{number}] {_first_line_of_difference(snippet)}"
                try:
                    runtime = runtime_codes(snippet)
                except MissingModule:
                    continue  # reported by test_examples_need_only_installed_modules
                except Exception as error:  # an example Keras refuses to build is a divergence too
                    divergences.setdefault(code, []).append(f"{label}: runtime failed: {type(error).__name__}: {error}")
                    continue
                static = static_codes(snippet)
                problems = []
                if kind == "BAD" and code not in runtime:
                    problems.append(f"runtime misses {code}")
                if runtime != static:
                    only_runtime, only_static = sorted(runtime - static), sorted(static - runtime)
                    problems.append(f"runtime only {only_runtime}, static only {only_static}")
                if problems:
                    divergences.setdefault(code, []).append(f"{label}: {'; '.join(problems)}")
    if divergences:
        report = "\n".join(
            f"{code} ({MODEL_RULES[code].name}):\n" + "\n".join(f"  - {line}" for line in lines)
            for code, lines in sorted(divergences.items())
        )
        raise AssertionError(f"runtime and static front-ends disagree:\n{report}")


def test_parity_covers_every_family_with_model_rules() -> None:
    families = {code[:3] for code in MODEL_CODES}
    assert {"KC1", "KC4", "KC6"} <= families
    assert all(rule.BAD for rule in MODEL_RULES.values()), "a model rule without BAD examples"


def test_examples_need_only_installed_modules() -> None:
    """Examples importing an optional library are only compared where it is installed (CI: always)."""
    missing = []
    for code, rule in MODEL_RULES.items():
        for snippet in (e.source for e in (*rule.BAD, *rule.GOOD)):
            try:
                _run_snippet(snippet)
            except MissingModule as error:
                missing.append(f"{code}: needs {error}")
            except Exception:
                continue  # the parity test reports those
    if missing:
        pytest.skip("examples not built at runtime: " + "; ".join(sorted(set(missing))))
