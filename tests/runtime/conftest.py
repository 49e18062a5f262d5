"""The runtime tests need Keras on the TensorFlow backend.

Without them these tests are skipped on a developer machine, but in CI
(``CI`` set) the missing dependency is a failure: a green CI run that never
built a model would test half the product.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest


def _missing_runtime() -> str | None:
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    except Exception as error:  # ImportError, or a broken install raising anything
        return f"{type(error).__name__}: {error}"
    return None


_MISSING = _missing_runtime()
if _MISSING is not None:
    if os.environ.get("CI"):
        pytest.fail(f"the runtime tests need TensorFlow and Keras in CI: {_MISSING}", pytrace=False)
    pytest.skip(f"the runtime tests need TensorFlow and Keras: {_MISSING}", allow_module_level=True)


@pytest.fixture(autouse=True)
def _fresh_keras_session() -> None:
    """Each test names its layers from scratch (``dense``, ``dense_1``...), like a new script.

    ``free_memory=False``: the garbage collection it skips costs 0.2 s per call.
    """
    import keras

    keras.utils.clear_session(free_memory=False)
