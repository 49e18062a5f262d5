"""Benchmark: project-wide analysis and lazy parsing, against libcst parse-only in the same command.

    python bench/bench_project.py [--runs 3] [--keras-runs 1] [--skip-keras]

Three figures, each a ratio to ``libcst.parse_module`` over the same files,
timed in this process just before (these machines are noisy):

* cold single-process run over the ``bench_static.py`` corpus          target <= 1.5x
* a project where one model-factory module is imported by 20 training
  scripts: the cold run, and how many times each module was parsed and
  summarised (target: once each, not once per importer)
* the installed ``keras`` package's own source tree (about 900 files that
  mention Keras, most of which build no model): a cold run   target <= 0.3x
  parse-only of all its files

Nothing is asserted; the figures are printed (``--markdown`` for the README).
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_static import build_corpus, parse_only, timed  # noqa: E402

from kerascheck import runner  # noqa: E402
from kerascheck.config import Config  # noqa: E402
from kerascheck.engine import Selection  # noqa: E402
from kerascheck.static.project import Project  # noqa: E402

FACTORY = '''"""Model factories shared by every training script."""

from tensorflow import keras
from tensorflow.keras import layers

NUM_FEATURES = 64


def dense_block(x, width, dropout=0.2):
    x = layers.Dense(width, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    return layers.Dropout(dropout)(x)


def build_classifier(num_classes, widths=(256, 128, 64)):
    inputs = keras.Input(shape=(NUM_FEATURES,))
    x = inputs
    for width in widths:
        x = dense_block(x, width)
    outputs = layers.Dense(num_classes)(x)
    return keras.Model(inputs, outputs)


def build_regressor():
    return keras.Sequential([keras.Input(shape=(NUM_FEATURES,)), layers.Dense(32, activation="relu"), layers.Dense(1)])
'''

SCRIPT = '''"""Training run {index}."""

import numpy as np
from tensorflow import keras

from models import build_classifier, build_regressor

NUM_CLASSES = {classes}

x = np.load("features_{index}.npy")
y = keras.utils.to_categorical(np.load("labels_{index}.npy"), NUM_CLASSES)
model = build_classifier(NUM_CLASSES)
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=10, validation_split=0.2)

baseline = build_regressor()
baseline.compile(optimizer="adam", loss="mse")
baseline.fit(x, np.load("targets_{index}.npy"), epochs=5)
'''


def lint_in_one_project(files: list[Path]) -> Project:
    """What ``kerascheck --jobs 1 --no-cache`` does, keeping the project to read its counters."""
    project = Project()
    for index, path in enumerate(files):
        runner.lint_task(runner.Task(index, str(path), path.read_bytes(), Selection()), project)
    return project


def lint_separately(files: list[Path]) -> int:
    """The contrast: no shared project, so every importer summarises models.py again."""
    summaries = 0
    for index, path in enumerate(files):
        project = Project()
        runner.lint_task(runner.Task(index, str(path), path.read_bytes(), Selection()), project)
        summaries += project.statistics.summaries
    return summaries


def cold_run(directory: Path) -> None:
    runner.run([directory], Config(root=directory), jobs=1, use_cache=False)


def factory_project(directory: Path, scripts: int = 20) -> list[Path]:
    (directory / "models.py").write_text(FACTORY, encoding="utf-8")
    files = [directory / "models.py"]
    for index in range(scripts):
        path = directory / f"train_{index:02d}.py"
        path.write_text(SCRIPT.format(index=index, classes=3 + index % 7), encoding="utf-8")
        files.append(path)
    return files


def keras_tree() -> tuple[Path, list[Path]] | None:
    spec = importlib.util.find_spec("keras")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    files = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "keras" in text or "tensorflow" in text:
            files.append(path)
    return root, files


def row(name: str, seconds: float, baseline: float, target: str = "") -> str:
    return f"| {name} | {seconds:.2f} s | {baseline:.2f} s | {seconds / baseline:.2f}x | {target} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=300, help="Keras files in the bench_static corpus")
    parser.add_argument("--runs", type=int, default=3, help="runs per small measurement (median)")
    parser.add_argument("--keras-runs", type=int, default=1, help="runs over the keras source tree (median)")
    parser.add_argument("--skip-keras", action="store_true")
    args = parser.parse_args()
    from importlib.metadata import version

    print(f"Python {platform.python_version()}, libcst {version('libcst')}, keras {version('keras')}")
    print("| measure | kerascheck | parse-only | ratio | target |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as temporary:
        corpus = Path(temporary) / "corpus"
        corpus.mkdir()
        files = build_corpus(corpus, args.files)
        baseline = timed(lambda: parse_only(files), args.runs)
        print(
            row(
                f"cold, one process: {len(files)} files (bench_static corpus)",
                timed(lambda: cold_run(corpus), args.runs),
                baseline,
                "<= 1.5x",
            )
        )

        project_dir = Path(temporary) / "factory"
        project_dir.mkdir()
        project_files = factory_project(project_dir)
        baseline = timed(lambda: parse_only(project_files), args.runs)
        seconds = timed(lambda: cold_run(project_dir), args.runs)
        print(
            row(
                "cold, one process: models.py imported by 20 training scripts",
                seconds,
                baseline,
                "one analysis per module",
            )
        )
        separate = timed(lambda: lint_separately(project_files), args.runs)
        print(row("  the same, each script with its own project (models.py once per importer)", separate, baseline))
        counters = lint_in_one_project(project_files).statistics
        print(
            f"|   models.py summarised {counters.summaries}x, {counters.parses} parses for "
            f"{len(project_files)} modules | | | | 1 summary, {len(project_files)} parses |"
        )

    if not args.skip_keras:
        found = keras_tree()
        if found is None:
            print("| keras is not installed: no keras-tree figure | | | | |")
            return
        root, keras_files = found
        baseline = timed(lambda: parse_only(keras_files), args.keras_runs)
        seconds = timed(lambda: runner.run([root], Config(root=root), jobs=1, use_cache=False), args.keras_runs)
        print(
            row(
                f"cold, one process: the keras package ({len(keras_files)} files naming keras)",
                seconds,
                baseline,
                "<= 0.3x",
            )
        )


if __name__ == "__main__":
    main()
