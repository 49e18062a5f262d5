"""KC501-KC503 on hand-built training logs (the rules read facts only)."""

from __future__ import annotations

import math

import pytest

from kerascheck import engine
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Anchor, Epoch, ProgramFacts, Training
from kerascheck.rules import training as training_rules
from kerascheck.rules.base import all_rules

TRAINING_RULES = (training_rules.Overfitting, training_rules.NoValidationData, training_rules.NonFiniteLoss)


def epochs(**series: list[float]) -> tuple[Epoch, ...]:
    length = len(next(iter(series.values())))
    return tuple(Epoch(index=i, logs=tuple((key, values[i]) for key, values in series.items())) for i in range(length))


def run(training: Training, select: tuple[str, ...] = ("KC5",), **kc501: float) -> list[Diagnostic]:
    selection = engine.Selection(select=select).with_options({"KC501": kc501})
    found = engine.run_rules(ProgramFacts(trainings=(training,)), selection)
    return engine.finalize(found, filename="<model m>", locate=lambda _a: (None, None))


def codes(training: Training, **kc501: float) -> list[str]:
    return [d.code for d in run(training, **kc501)]


# -- KC501 --------------------------------------------------------------------


def test_validation_loss_rising_while_training_loss_falls() -> None:
    logs = epochs(loss=[1.0, 0.7, 0.5, 0.4, 0.3, 0.2], val_loss=[1.0, 0.8, 0.7, 0.75, 0.8, 0.9])
    (finding,) = run(Training(epochs=logs, anchor=Anchor(layer="m")))
    assert finding.code == "KC501" and finding.severity is Severity.WARNING
    assert "rose from 0.7 (epoch 3) to 0.9 (epoch 6)" in finding.message
    assert finding.layer == "m"


def test_patience_is_respected() -> None:
    logs = epochs(loss=[1.0, 0.7, 0.5, 0.4, 0.3, 0.2], val_loss=[1.0, 0.8, 0.7, 0.75, 0.8, 0.9])
    assert codes(Training(epochs=logs), patience=4) == []
    assert codes(Training(epochs=logs[:5])) == []  # only two epochs past the best so far


def test_no_overfitting_when_both_improve_or_both_worsen() -> None:
    improving = epochs(loss=[1.0, 0.8, 0.6, 0.5, 0.4], val_loss=[1.1, 0.9, 0.7, 0.6, 0.5])
    assert codes(Training(epochs=improving)) == []
    diverging = epochs(loss=[1.0, 1.2, 1.5, 1.9, 2.5], val_loss=[1.0, 1.3, 1.6, 2.0, 2.6])
    assert codes(Training(epochs=diverging)) == []  # that is instability, not overfitting


def test_accuracy_gap() -> None:
    logs = epochs(loss=[0.6, 0.2], accuracy=[0.7, 0.99], val_loss=[0.55, 0.6], val_accuracy=[0.7, 0.72])
    (finding,) = run(Training(epochs=logs))
    assert finding.code == "KC501" and "training accuracy 0.990 is 0.270 above" in finding.message
    assert codes(Training(epochs=logs), gap=0.3) == []
    assert codes(Training(epochs=logs[:1])) == []  # never on the first epoch


def test_accuracy_gap_while_validation_loss_still_improves_is_not_overfitting() -> None:
    # A tiny or noisy validation set: accuracy gap, but val_loss falls every epoch.
    logs = epochs(accuracy=[0.383, 0.4, 0.4], val_accuracy=[0.167] * 3, val_loss=[1.177, 1.173, 1.169])
    assert codes(Training(epochs=logs)) == []


def test_accuracy_gap_on_a_named_output_and_binary_accuracy() -> None:
    logs = epochs(out_binary_accuracy=[0.8, 0.95], val_out_binary_accuracy=[0.8, 0.6])
    assert codes(Training(epochs=logs)) == ["KC501"]
    no_pair = epochs(accuracy=[0.8, 0.99])
    assert codes(Training(epochs=no_pair)) == []


# -- KC502 --------------------------------------------------------------------


def test_no_validation_data_is_info_and_only_when_known() -> None:
    (finding,) = run(Training(has_validation=False))
    assert (finding.code, finding.severity) == ("KC502", Severity.INFO)
    assert codes(Training(has_validation=True)) == []
    assert codes(Training(has_validation=None)) == []
    default = engine.run_rules(ProgramFacts(trainings=(Training(has_validation=False),)), engine.Selection())
    assert default == []  # info rules run only when selected


# -- KC503 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("logs", "where"),
    [
        (epochs(loss=[0.5, math.nan]), "loss became nan at epoch 2"),
        (epochs(loss=[0.5, 0.4], val_loss=[0.5, math.inf]), "val_loss became inf at epoch 2"),
        (epochs(loss=[0.5], out_loss=[-math.inf]), "out_loss became -inf at epoch 1"),
    ],
)
def test_non_finite_epoch_loss(logs: tuple[Epoch, ...], where: str) -> None:
    (finding,) = [d for d in run(Training(epochs=logs)) if d.code == "KC503"]
    assert finding.severity is Severity.ERROR and where in finding.message


def test_non_finite_batch_loss() -> None:
    training = Training(epochs=epochs(loss=[0.5]), batches=(Epoch(index=6, logs=(("loss", math.nan),)),))
    (finding,) = run(training)
    assert finding.code == "KC503" and "at epoch 2, batch 7" in finding.message


def test_finite_losses_and_non_finite_metrics_are_fine() -> None:
    logs = epochs(loss=[0.5, 0.4], val_loss=[0.6, 0.5], auc=[math.nan, math.nan])
    assert codes(Training(epochs=logs)) == []


# -- the rule contract ----------------------------------------------------------


@pytest.mark.parametrize("rule", TRAINING_RULES)
def test_training_rules_are_registered_runtime_only_and_documented(rule: type) -> None:
    assert all_rules()[rule.code] is rule
    assert rule.model_rule is False and rule.BAD == () and rule.GOOD == ()
    documentation = rule.documentation()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in documentation
