"""kerascheck: catch the silent mistakes in Keras model code.

Public API: :func:`check_source` and :func:`check_paths` for code,
:func:`inspect` for a built model (needs Keras), :class:`Diagnostic`.
Importing this package never imports TensorFlow or Keras.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kerascheck.api import check_paths, check_source
from kerascheck.diagnostics import Diagnostic, Severity, Span

if TYPE_CHECKING:
    from kerascheck.runtime.inspect import inspect

__all__ = ["Diagnostic", "Severity", "Span", "check_paths", "check_source", "inspect"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # `inspect` pulls in the runtime front-end, which is only useful with Keras installed.
    if name == "inspect":
        from kerascheck.runtime.inspect import inspect

        return inspect
    raise AttributeError(f"module 'kerascheck' has no attribute {name!r}")
