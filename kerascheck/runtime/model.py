"""A live Keras model -> facts.

Works on Keras 3 (any backend) and on ``tf.keras`` / Keras 2 objects by duck
typing: it reads the symbolic graph Keras records on every tensor
(``_keras_history`` -> layer -> inbound node -> input tensors), the layers'
own ``get_config()`` (through :mod:`kerascheck.runtime.serialized`, shared with
the saved-model front-end) and the arguments given to ``compile``. Nothing
here imports Keras or TensorFlow; only a subclassed model is traced, with the
Keras that model already imported.

For each output the chain follows the *main path*: the first input of every
layer, back to the model input, through nested models.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kerascheck import facts as kf
from kerascheck.runtime import serialized as ks
from kerascheck.runtime import shapes
from kerascheck.runtime.compiled import compile_config_of
from kerascheck.runtime.graph import NotAModelError, chain_to, is_keras_model, model_name, symbolic_outputs
from kerascheck.runtime.subclassed import is_sequential, layer_order_chain, trace_subclassed

__all__ = ["NotAModelError", "facts_from_model", "heads_of", "is_keras_model", "model_name"]


def facts_from_model(
    model: Any,
    x: Any = None,
    y: Any = None,
    *,
    partial: bool = False,
    validation_data: Any = None,
    validation_split: float | None = None,
    method: str = "inspect",
) -> kf.ProgramFacts:
    """Facts about a built (or buildable) Keras model and, optionally, its data.

    ``x``/``y`` may be arrays, tensors, a list/dict per input or output, a
    ``tf.data.Dataset`` or a generator of ``(x, y)`` batches (a bounded number
    of batches is read; a generator is consumed that far). ``partial`` says
    in-memory ``x``/``y`` are only a sample (the callback's first batch), so
    class counts are not taken from them. ``method`` names the call the data
    went to in shape messages (``"fit"`` from the training callback).
    """
    if not is_keras_model(model):
        raise NotAModelError(f"expected a Keras model, got {type(model).__name__}")
    heads = heads_of(model)
    compiled, compile_config = compile_config_of(model)
    if compile_config is not None:
        loss, metrics = ks.compile_specs(compile_config)
        heads = ks.attach_compile(heads, loss, metrics)
    heads = tuple(
        replace(head, output_shape=shape)
        for head, shape in zip(heads, shapes.output_shapes(model, len(heads)), strict=True)
    )
    fits: tuple[kf.Fit, ...] = ()
    calls: tuple[kf.DataCall, ...] = ()
    if x is not None or y is not None:
        from kerascheck.runtime import labels  # numpy: only when there is data

        sample = labels.read_sample(x, y)
        if partial:
            sample = replace(sample, complete=False)
        fit = labels.fit_from_sample(
            heads, sample, x, y, validation_data=validation_data, validation_split=validation_split
        )
        fits = (fit,)
        per_head = labels.labels_per_head(sample.y, heads) if sample.y is not None else None
        call = shapes.data_call(
            model, heads, sample.x, per_head, fit, method=method, first_batch=sample.batched_source or partial
        )
        calls = (call,) if call is not None else ()
    name = model_name(model)
    return kf.ProgramFacts(
        models=(
            kf.Model(
                heads=heads,
                anchor=kf.Anchor(layer=name),
                name=name,
                compiled=compiled,
                fits=fits,
                key=0,
                inputs=shapes.model_inputs(model),
                data_calls=calls,
            ),
        )
    )


def heads_of(model: Any) -> tuple[kf.Head, ...]:
    """One head per model output, each with the layer chain that produces it."""
    outputs = symbolic_outputs(model)
    if outputs:
        return tuple(kf.make_head(tuple(chain_to(tensor)), name=name) for name, tensor in outputs)
    if not is_sequential(model) and (traced := trace_subclassed(model)):
        return traced
    chain = layer_order_chain(model)
    return (kf.make_head(chain, name=chain[-1].name if chain else None),) if chain else ()
