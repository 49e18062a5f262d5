"""One canonical dotted name for every spelling of a Keras (or TensorFlow) name.

``tf.keras.layers.Dense``, ``tensorflow.keras.layers.core.Dense``,
``tf_keras.layers.Dense`` and ``keras.src.layers.Dense`` all become
``keras.layers.Dense``; ``keras.utils.np_utils.to_categorical`` becomes
``keras.utils.to_categorical``. Rules and the interpreter only ever compare
canonical names.
"""

from __future__ import annotations

from functools import lru_cache

import libcst as cst

from kerascheck.vocabulary import KERAS_PREFIXES

# Public Keras namespaces whose members are addressed by their last component.
_FLAT_NAMESPACES = (
    "layers",
    "losses",
    "metrics",
    "activations",
    "models",
    "utils",
    "datasets",
    "ops",
    "optimizers",
    "callbacks",
    "applications",
    "preprocessing",
)


# Keras 1 class names that Keras 2 renamed (Keras 2 still accepted them).
_KERAS1_LAYERS = {
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "Convolution3D": "Conv3D",
    "Deconvolution2D": "Conv2DTranspose",
    "AtrousConvolution1D": "Conv1D",
    "AtrousConvolution2D": "Conv2D",
}


@lru_cache(maxsize=4096)
def canonical(dotted: str) -> str:
    """The canonical form of a fully qualified name (see the module docstring)."""
    if dotted.startswith("tf."):
        dotted = "tensorflow." + dotted[3:]
    for prefix, replacement in KERAS_PREFIXES:
        if dotted == prefix or dotted.startswith(prefix + "."):
            dotted = replacement + dotted[len(prefix) :]
            break
    if not dotted.startswith("keras."):
        return dotted
    parts = dotted.split(".")
    if len(parts) > 3 and parts[1] in _FLAT_NAMESPACES:
        if parts[1] == "preprocessing" and parts[2] in ("image", "text", "sequence"):
            return dotted
        if parts[1] == "datasets":
            # keras.datasets.mnist.load_data keeps its dataset module.
            return ".".join(parts[:4])
        dotted = f"keras.{parts[1]}.{parts[-1]}"
        parts = dotted.split(".")
    if len(parts) == 3 and parts[1] == "layers" and parts[2] in _KERAS1_LAYERS:
        return f"keras.layers.{_KERAS1_LAYERS[parts[2]]}"
    return dotted


def import_bindings(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
    """(local name, fully qualified name) pairs an import statement binds."""
    bindings: list[tuple[str, str]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bindings.append((alias.asname.name.value, full))
            else:
                head = full.split(".")[0]
                bindings.append((head, head))
        return bindings
    if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
        return bindings
    module = dotted_name(node.module)
    if module is None:
        return bindings
    for alias in node.names:
        name = dotted_name(alias.name)
        if name is None:
            continue
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        bindings.append((local, f"{module}.{name}"))
    return bindings


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None
