"""A saved model (``.keras`` archive or legacy ``.h5``) -> facts -> diagnostics.

The layer graph is rebuilt from the configuration alone: a Sequential
``layers`` list, or a Functional ``layers`` list whose ``inbound_nodes`` name
each layer's inputs (Keras 3 writes ``{"args": [<keras tensor>...]}``, Keras 2
``[[name, node, tensor, kwargs], ...]``), with nested models expanded. Each
output's chain follows the first input of every layer, as for a live model.

Never imports TensorFlow or Keras: ``kerascheck model.keras`` stays fast and
cannot run code from the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kerascheck import engine
from kerascheck import facts as kf
from kerascheck.budget import OverBudget
from kerascheck.diagnostics import Diagnostic
from kerascheck.rules.tool import tool_diagnostic
from kerascheck.runtime import serialized as ks
from kerascheck.runtime.archive import ArchiveError, SavedConfig, read_h5, read_keras_archive

_MAX_NESTING = 32
_MAX_CHAIN = 100_000
# Keys Keras (2 or 3) writes at the top of a model config; anything else is a format we do not know.
_TOP_LEVEL_KEYS = frozenset(
    {
        "module",
        "class_name",
        "config",
        "registered_name",
        "build_config",
        "compile_config",
        "keras_version",
        "backend",
        "name",
        "shared_object_id",
    }
)

Output = tuple[str | None, list[kf.Layer]]


class ConfigError(ArchiveError):
    """A model config that is not shaped like one Keras writes."""


def read_config(path: str) -> SavedConfig:
    """The model and compile configuration of a ``.keras`` or ``.h5``/``.hdf5`` file."""
    if path.lower().endswith((".h5", ".hdf5")):
        return read_h5(path)
    return read_keras_archive(path)


def facts_from_saved_model(path: str) -> kf.ProgramFacts:
    """Facts from a saved model file; raises :class:`ArchiveError` with a one-line reason."""
    return facts_from_config(read_config(path))


def check_saved_model(path: str, selection: engine.Selection = engine.DEFAULT_SELECTION) -> list[Diagnostic]:
    """Diagnostics for a saved model file; an unreadable or hostile file is one KC002."""
    try:
        facts = facts_from_saved_model(path)
    except ArchiveError as error:
        return [tool_diagnostic("KC002", _one_line(str(error)), path)]
    except OverBudget as error:
        return [tool_diagnostic("KC003", str(error), path)]
    except (RecursionError, MemoryError):
        return [tool_diagnostic("KC002", "the model config is too deeply nested or too large", path)]
    except Exception as error:  # a file we fail to understand is the file's problem to report, not a crash
        return [tool_diagnostic("KC002", f"cannot read the model config ({type(error).__name__})", path)]
    from kerascheck.runtime.inspect import unchecked, unseen_facts

    why = (
        "the saved model was not checked: its layers are not in its config (a subclassed model); "
        "load it and use kerascheck.inspect(model, x, y)"
    )
    if unseen_facts(facts):
        return unchecked(selection, path, why)
    found = engine.run_rules(facts, selection)
    return engine.finalize(found, filename=path, locate=lambda _anchor: (None, None))


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "cannot read the model file"


# -- config -> facts ----------------------------------------------------------


def facts_from_config(saved: SavedConfig) -> kf.ProgramFacts:
    """Facts from an already-read model config and compile config."""
    root = saved.model
    _check_top_level(root)
    name = _model_name(root)
    heads = tuple(kf.make_head(tuple(chain), name=out) for out, chain in model_outputs(root, 0))
    compiled = bool(saved.compile)  # Keras 3 writes an empty compile_config for an uncompiled model
    if saved.compile and heads:
        loss, metrics = ks.compile_specs(saved.compile)
        heads = ks.attach_compile(heads, loss, metrics)
    model = kf.Model(heads=heads, anchor=kf.Anchor(layer=name), name=name, compiled=compiled, key=0)
    return kf.ProgramFacts(models=(model,))


def _check_top_level(root: Mapping[str, Any]) -> None:
    unknown = sorted(str(key) for key in root if key not in _TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(f"unexpected key {unknown[0]!r} at the top of the model config")
    if not isinstance(root.get("class_name"), str):
        raise ConfigError("the model config has no class_name")
    if not isinstance(root.get("config"), (dict, list)):
        raise ConfigError("the model config has no config object")


def _model_name(entry: Mapping[str, Any]) -> str | None:
    config = entry.get("config")
    name = config.get("name") if isinstance(config, Mapping) else None
    return name if isinstance(name, str) else None


def _is_model_entry(entry: Mapping[str, Any]) -> bool:
    config = entry.get("config")
    return entry.get("class_name") in ks.MODEL_CLASSES or (isinstance(config, Mapping) and "layers" in config)


def model_outputs(entry: Mapping[str, Any], depth: int) -> list[Output]:
    """(output name, chain) for each output of a serialized model."""
    if depth > _MAX_NESTING:
        raise ConfigError(f"models nested more than {_MAX_NESTING} levels deep")
    config = entry.get("config")
    if isinstance(config, list):  # very old Keras: a Sequential config was the bare layer list
        config = {"layers": config}
    if not isinstance(config, Mapping) or not _is_model_entry(entry):
        return []  # a subclassed model: its layers are not in the config
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ConfigError("the model's layers are not a list")
    if "output_layers" in config:
        return _functional_outputs(config, layers, depth)
    chain = _sequential_chain(config, layers, depth)
    return [(chain[-1].name if chain else None, chain)]


def _entry(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not isinstance(value.get("class_name"), str):
        raise ConfigError("a layer in the model config is not a {class_name, config} object")
    return value


def _inner_chain(entry: Mapping[str, Any], tensor_index: int, depth: int) -> list[kf.Layer]:
    """The chain of a nested model's ``tensor_index``-th output, without its input layer."""
    outputs = model_outputs(entry, depth + 1)
    if not outputs:
        return [ks.unknown_layer(_model_name(entry))]
    _name, chain = outputs[tensor_index] if 0 <= tensor_index < len(outputs) else outputs[0]
    return chain[1:] if chain and chain[0].kind == "InputLayer" else chain


def _sequential_chain(config: Mapping[str, Any], layers: list[Any], depth: int) -> list[kf.Layer]:
    chain: list[kf.Layer] = []
    for raw in layers:
        entry = _entry(raw)
        if _is_model_entry(entry):
            chain.extend(_inner_chain(entry, 0, depth))
        else:
            chain.append(ks.layer_from_entry(entry))
    if chain and chain[0].kind != "InputLayer":
        shape = chain[0].input_shape
        build_shape = config.get("build_input_shape")
        if shape is None and isinstance(build_shape, list) and build_shape:
            shape = tuple(d if isinstance(d, int) else None for d in build_shape[1:])
        if shape is not None:
            chain.insert(0, kf.Layer(kind="InputLayer", input_shape=shape))
    return chain


def _history(value: Any) -> tuple[str, int, int] | None:
    """``[name, node_index, tensor_index, ...]`` as a tuple, if it is one."""
    if (
        isinstance(value, list)
        and len(value) >= 3
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and isinstance(value[2], int)
    ):
        return value[0], value[1], value[2]
    return None


def _output_refs(config: Mapping[str, Any]) -> list[tuple[str | None, tuple[str, int, int]]]:
    raw = config.get("output_layers")
    refs: list[tuple[str | None, tuple[str, int, int] | None]]
    if isinstance(raw, Mapping):
        refs = [(str(key), _history(value)) for key, value in raw.items()]
    elif (single := _history(raw)) is not None:
        refs = [(single[0], single)]
    elif isinstance(raw, list):
        refs = [(h[0] if (h := _history(value)) else None, _history(value)) for value in raw]
    else:
        raise ConfigError("the model's output_layers are not readable")
    if any(ref is None for _key, ref in refs):
        raise ConfigError("an entry of output_layers is not [layer, node, tensor]")
    return [(key, ref) for key, ref in refs if ref is not None]


def _functional_outputs(config: Mapping[str, Any], layers: list[Any], depth: int) -> list[Output]:
    by_name: dict[str, Mapping[str, Any]] = {}
    for raw in layers:
        entry = _entry(raw)
        inner = entry.get("config")
        name = entry.get("name") or (inner.get("name") if isinstance(inner, Mapping) else None)
        if not isinstance(name, str):
            raise ConfigError("a layer in a functional model config has no name")
        by_name[name] = entry
    return [(key, _walk(by_name, ref, depth)) for key, ref in _output_refs(config)]


def _walk(by_name: Mapping[str, Mapping[str, Any]], ref: tuple[str, int, int], depth: int) -> list[kf.Layer]:
    """Layers from the input to ``ref``, following each layer's first input."""
    backwards: list[kf.Layer] = []
    seen: set[tuple[str, int]] = set()
    current: tuple[str, int, int] | None = ref
    while current is not None:
        name, node_index, tensor_index = current
        if (name, node_index) in seen:
            raise ConfigError("the layer graph in the model config has a cycle")
        if len(backwards) > _MAX_CHAIN:
            raise OverBudget(f"too complex to check: the model config chains more than {_MAX_CHAIN} layers")
        seen.add((name, node_index))
        entry = by_name.get(name)
        if entry is None:
            raise ConfigError(f"layer {name!r} is used but not defined in the model config")
        if _is_model_entry(entry):
            backwards.extend(reversed(_inner_chain(entry, tensor_index, depth)))
        else:
            backwards.append(ks.layer_from_entry(entry))
        current = _first_input(entry, node_index)
    return list(reversed(backwards))


def _first_input(entry: Mapping[str, Any], node_index: int) -> tuple[str, int, int] | None:
    nodes = entry.get("inbound_nodes")
    if not isinstance(nodes, list) or not nodes:
        return None
    node = nodes[node_index] if 0 <= node_index < len(nodes) else nodes[-1]
    if isinstance(node, Mapping):  # Keras 3: {"args": [...], "kwargs": {...}}; layer(inputs=x) has no args
        kwargs = node.get("kwargs")
        found = _first_tensor(node.get("args"), 0)
        return found or (_first_tensor(list(kwargs.values()), 0) if isinstance(kwargs, Mapping) else None)
    if isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
        for item in node:
            if (history := _history(item)) is not None:
                return history
    return None


def _first_tensor(value: Any, depth: int) -> tuple[str, int, int] | None:
    """The first ``__keras_tensor__`` in a Keras 3 node's arguments (lists searched in order)."""
    if depth > 16:
        return None
    if isinstance(value, Mapping):
        config = value.get("config")
        if value.get("class_name") == "__keras_tensor__" and isinstance(config, Mapping):
            return _history(config.get("keras_history"))
        return None
    if isinstance(value, list):
        for item in value:
            if (found := _first_tensor(item, depth + 1)) is not None:
                return found
    return None
