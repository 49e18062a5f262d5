"""Output shapes of Keras layers, and the inputs Keras could not build a layer on.

:func:`apply` takes a :class:`~kerascheck.facts.Layer` (its kind, units and
:class:`~kerascheck.facts.Geometry`) and the per-sample shapes of its inputs
and returns the per-sample output shape, as Keras 3's ``compute_output_shape``
does, or a :class:`Problem` when Keras would refuse to build the layer (a
size that shrinks to zero, a merge of mismatched shapes, a Reshape to another
number of elements, the wrong rank). Unknown in, unknown out: any unknown
dimension that decides a problem makes the answer unknown instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kerascheck.facts import Geometry, Layer, Shape
from kerascheck.shapes import describe
from kerascheck.shapes import geometry as g

NON_POSITIVE = "non-positive"
INCOMPATIBLE = "incompatible"
# Shapes with more elements than this are not real data: inference gives up on them.
MAX_ELEMENTS = 10**11
MAX_RANK = 8


@dataclass(frozen=True)
class Problem:
    """Keras cannot build ``layer`` on these inputs: ``kind`` is NON_POSITIVE or INCOMPATIBLE."""

    kind: str
    detail: str


@dataclass(frozen=True)
class Outcome:
    shape: Shape | None = None
    problem: Problem | None = None


UNKNOWN = Outcome()


def _sane(shape: Shape | None) -> Shape | None:
    """The shape if it is one real data can have (bounded rank and size), else unknown."""
    if shape is None or len(shape) > MAX_RANK:
        return None
    if any(d is not None and d < 0 for d in shape):
        return None
    known = [d for d in shape if d is not None]
    if known and math.prod(known) > MAX_ELEMENTS:
        return None
    return shape


def apply(layer: Layer, inputs: Sequence[Shape | None]) -> Outcome:
    """The output of ``layer`` called on inputs of these per-sample shapes."""
    kind, geometry = layer.kind, layer.geometry
    if kind is None or geometry is None:
        return UNKNOWN
    if kind == "InputLayer":
        return Outcome(_sane(layer.input_shape))
    if kind in g.MERGE_ELEMENTWISE:
        return _elementwise(kind, [_sane(s) for s in inputs])
    if kind == "Concatenate":
        return _concatenate(geometry.axis, [_sane(s) for s in inputs])
    if len(inputs) != 1:
        return UNKNOWN
    shape = _sane(inputs[0])
    if shape is None:
        return UNKNOWN
    outcome = _single(kind, layer, geometry, shape)
    return Outcome(_sane(outcome.shape), outcome.problem) if outcome.shape is not None else outcome


def _single(kind: str, layer: Layer, geometry: Geometry, shape: Shape) -> Outcome:
    if kind in g.SAME_SHAPE:
        return Outcome(shape)
    if kind == "Dense":
        if not shape:
            return _wrong_rank(layer, shape, "at least 1 axis")
        return Outcome((*shape[:-1], layer.units))
    if kind == "Flatten":
        if not shape:
            return Outcome((1,))
        if any(d is None for d in shape):
            return Outcome((None,))
        return Outcome((math.prod(d for d in shape if d is not None),))
    if kind == "Reshape":
        return _reshape(geometry.target, shape)
    if kind == "Permute":
        dims = geometry.target
        if dims is None or sorted(d for d in dims if d is not None) != list(range(1, len(shape) + 1)):
            return UNKNOWN
        return Outcome(tuple(shape[d - 1] for d in dims if d is not None))
    if kind == "RepeatVector":
        if len(shape) != 1:
            return _wrong_rank(layer, shape, "1 axis per sample (features,)")
        n = geometry.target[0] if geometry.target else None
        return Outcome((n, shape[0]))
    if kind == "Embedding":
        return Outcome((*shape, geometry.width))
    if kind == "TextVectorization":  # strings in, output_sequence_length token ids out
        return Outcome(geometry.target) if geometry.target is not None and len(shape) <= 1 else UNKNOWN
    if kind in ("Resizing", "CenterCrop"):
        if geometry.target is None or len(shape) != 3 or geometry.data_format is None:
            return UNKNOWN
        if geometry.data_format == "channels_first":
            return Outcome((shape[0], *geometry.target))
        return Outcome((*geometry.target, shape[-1]))
    if kind in g.RECURRENT:
        return _recurrent(layer, geometry, shape)
    if kind == "Bidirectional":
        return _bidirectional(layer, geometry, shape)
    if kind == "TimeDistributed":
        inner = geometry.inner
        if inner is None or not shape:
            return UNKNOWN
        step = apply(inner, [shape[1:]])
        if step.problem is not None:
            return step
        return Outcome((shape[0], *step.shape)) if step.shape is not None else UNKNOWN
    rank = g.spatial_rank(kind)
    if rank is None:
        return UNKNOWN
    if len(shape) != rank + 1:
        return _wrong_rank(layer, shape, f"{rank + 1} axes per sample")
    if geometry.data_format is None:
        return UNKNOWN
    first = geometry.data_format == "channels_first"
    spatial = shape[1:] if first else shape[:-1]
    channels = shape[0] if first else shape[-1]
    if g.is_global_pooling(kind):
        if geometry.keepdims is None:
            return UNKNOWN
        if geometry.keepdims:
            return Outcome((channels, *(1,) * rank) if first else (*(1,) * rank, channels))
        return Outcome((channels,))
    outcome = _spatial(kind, layer, geometry, spatial)
    if outcome.shape is None:
        return outcome
    out_channels = channels
    if g.is_convolution(kind):
        if kind.startswith("Depthwise"):
            out_channels = channels * geometry.width if channels is not None and geometry.width else None
        else:
            out_channels = layer.units
    new = outcome.shape
    return Outcome((out_channels, *new) if first else (*new, out_channels))


def _spatial(kind: str, layer: Layer, geometry: Geometry, spatial: Shape) -> Outcome:
    """The new spatial sizes, axis by axis; a size <= 0 is a NON_POSITIVE problem."""
    sizes: list[int | None] = []
    for axis, size in enumerate(spatial):
        new = _axis(kind, geometry, axis, size)
        if new is _UNREADABLE:
            return UNKNOWN
        if isinstance(new, int) and new <= 0:
            return Outcome(problem=Problem(NON_POSITIVE, _shrink_detail(kind, layer, geometry, spatial, axis)))
        sizes.append(new if isinstance(new, int) else None)
    return Outcome(tuple(sizes))


_UNREADABLE = object()


def _axis(kind: str, geometry: Geometry, axis: int, size: int | None) -> object:
    """One spatial axis through the layer: an int, None (unknown size) or _UNREADABLE."""
    if g.is_convolution(kind):
        if geometry.kernel is None or geometry.strides is None or geometry.dilation is None:
            return _UNREADABLE
        if geometry.padding is None:
            return _UNREADABLE
        kernel = ((geometry.kernel[axis] or 1) - 1) * (geometry.dilation[axis] or 1) + 1
        stride = geometry.strides[axis] or 1
        if size is None:
            return None
        if g.is_transposed(kind):
            if geometry.padding == "same":
                return size * stride
            if geometry.padding == "valid":
                return size * stride + max(kernel - stride, 0)
            return _UNREADABLE
        if geometry.padding in ("same", "causal"):
            return (size - 1) // stride + 1
        return (size - kernel) // stride + 1
    if g.is_pooling(kind):
        if geometry.pool is None or geometry.strides is None or geometry.padding not in ("valid", "same"):
            return _UNREADABLE
        pool, stride = geometry.pool[axis] or 1, geometry.strides[axis] or 1
        if size is None:
            return None
        if geometry.padding == "same":
            return (size - 1) // stride + 1
        return (size - pool) // stride + 1
    if g.is_upsampling(kind):
        if geometry.target is None:
            return _UNREADABLE
        return None if size is None else size * (geometry.target[axis] or 1)
    if g.is_zero_padding(kind) or g.is_cropping(kind):
        if geometry.margins is None:
            return _UNREADABLE
        before, after = geometry.margins[axis]
        if size is None:
            return None
        return size + before + after if g.is_zero_padding(kind) else size - before - after
    return _UNREADABLE


def _shrink_detail(kind: str, layer: Layer, geometry: Geometry, spatial: Shape, axis: int) -> str:
    size = spatial[axis]
    if g.is_convolution(kind):
        assert geometry.kernel is not None and geometry.dilation is not None
        kernel = ((geometry.kernel[axis] or 1) - 1) * (geometry.dilation[axis] or 1) + 1
        what = f"a {kernel}-wide kernel with padding={geometry.padding!r}"
    elif g.is_pooling(kind):
        assert geometry.pool is not None
        what = f"a {geometry.pool[axis]}-wide pooling window"
    else:
        assert geometry.margins is not None
        what = f"cropping {sum(geometry.margins[axis])}"
    return f"{layer.label} gets spatial size {size} on axis {axis + 1}, too small for {what}"


def _wrong_rank(layer: Layer, shape: Shape, expected: str) -> Outcome:
    detail = f"{layer.label} expects {expected}, but gets {describe(shape)}"
    return Outcome(problem=Problem(INCOMPATIBLE, detail))


def _reshape(target: Shape | None, shape: Shape) -> Outcome:
    if target is None or any(d is None for d in target):
        return UNKNOWN
    dims = [d for d in target if d is not None]
    if dims.count(-1) > 1 or any(d == 0 or d < -1 for d in dims):
        return UNKNOWN  # not a shape Keras accepts; Keras says so itself
    known_target = math.prod(d for d in dims if d != -1)
    if any(d is None for d in shape):
        if -1 in dims:
            return Outcome(tuple(None if d == -1 else d for d in dims))
        return Outcome(tuple(dims))
    total = math.prod(d for d in shape if d is not None)
    if -1 in dims:
        if known_target == 0 or total % known_target:
            return Outcome(problem=Problem(INCOMPATIBLE, _reshape_detail(shape, target, total)))
        return Outcome(tuple(total // known_target if d == -1 else d for d in dims))
    if known_target != total:
        return Outcome(problem=Problem(INCOMPATIBLE, _reshape_detail(shape, target, total)))
    return Outcome(tuple(dims))


def _reshape_detail(shape: Shape, target: Shape, total: int) -> str:
    plain = "(" + ", ".join(str(d) for d in target) + ("," if len(target) == 1 else "") + ")"
    return f"Reshape to {plain} cannot take {describe(shape)}: {total} elements per sample"


def _recurrent(layer: Layer, geometry: Geometry, shape: Shape) -> Outcome:
    if len(shape) != 2:
        return _wrong_rank(layer, shape, "2 axes per sample (timesteps, features)")
    if geometry.return_state is not False or layer.return_sequences is None:
        return UNKNOWN  # return_state gives several outputs
    return Outcome((shape[0], layer.units) if layer.return_sequences else (layer.units,))


def _bidirectional(layer: Layer, geometry: Geometry, shape: Shape) -> Outcome:
    inner = geometry.inner
    if inner is None or geometry.merge_mode in (None, "none"):
        return UNKNOWN
    step = apply(inner, [shape])
    if step.problem is not None or step.shape is None or not step.shape:
        return step if step.problem is not None else UNKNOWN
    last = step.shape[-1]
    if geometry.merge_mode == "concat":
        last = last * 2 if last is not None else None
    return Outcome((*step.shape[:-1], last))


def _elementwise(kind: str, shapes: list[Shape | None]) -> Outcome:
    """Add/Multiply/...: equal shapes, or broadcastable where one side is 1 (Keras 3 allows it)."""
    if len(shapes) < 2 or any(s is None for s in shapes):
        return UNKNOWN
    known = [s for s in shapes if s is not None]
    if len({len(s) for s in known}) != 1:
        return UNKNOWN  # Keras aligns ranks in ways not modelled here
    result: list[int | None] = []
    for dims in zip(*known, strict=True):
        sized = {d for d in dims if d is not None and d != 1}
        if len(sized) > 1:
            listed = " and ".join(describe(s) for s in known)
            return Outcome(problem=Problem(INCOMPATIBLE, f"{kind} of inputs with shapes {listed}"))
        if sized:
            result.append(sized.pop())
        elif any(d is None for d in dims):
            result.append(None)
        else:
            result.append(1)
    return Outcome(tuple(result))


def _concatenate(axis: int | None, shapes: list[Shape | None]) -> Outcome:
    """Concatenate: every axis but ``axis`` must agree; ``axis`` sizes add up."""
    if len(shapes) < 2 or axis is None or any(s is None for s in shapes):
        return UNKNOWN
    known = [s for s in shapes if s is not None]
    ranks = {len(s) for s in known}
    listed = " and ".join(describe(s) for s in known)
    if len(ranks) != 1:
        return Outcome(problem=Problem(INCOMPATIBLE, f"Concatenate of inputs with different ranks: {listed}"))
    rank = ranks.pop()
    position = axis - 1 if axis > 0 else rank + axis  # Keras counts the batch axis as 0
    if not 0 <= position < rank:
        return UNKNOWN
    result: list[int | None] = []
    for index, dims in enumerate(zip(*known, strict=True)):
        if index == position:
            result.append(None if any(d is None for d in dims) else sum(d for d in dims if d is not None))
            continue
        sized = {d for d in dims if d is not None}
        if len(sized) > 1:
            detail = f"Concatenate(axis={axis}) of inputs with shapes {listed}: they differ on another axis"
            return Outcome(problem=Problem(INCOMPATIBLE, detail))
        result.append(sized.pop() if sized and None not in dims else None)
    return Outcome(tuple(result))


def propagate(chain: Sequence[Layer], start: Shape | None = None) -> tuple[list[Outcome], Shape | None]:
    """Shapes along a straight layer chain (a Sequential stack or one path of a graph).

    The start is ``start``, else the first layer's declared input (an
    ``InputLayer`` or a layer's ``input_shape``). Returns each layer's outcome
    and the final shape; the first problem or unknown ends the walk, so a
    problem is reported once, where it starts.
    """
    outcomes: list[Outcome] = []
    shape = start
    for index, layer in enumerate(chain):
        if layer.kind == "InputLayer":
            outcome = Outcome(_sane(layer.input_shape))
        else:
            if index == 0 and shape is None and layer.input_shape is not None:
                shape = _sane(layer.input_shape)
            if shape is None:
                outcomes.append(UNKNOWN)
                return outcomes, None
            if layer.kind in g.MERGE_ELEMENTWISE or layer.kind == "Concatenate":
                outcomes.append(UNKNOWN)  # the other inputs are not on this path
                return outcomes, None
            outcome = apply(layer, [shape])
        outcomes.append(outcome)
        if outcome.shape is None:
            return outcomes, None
        shape = outcome.shape
    return outcomes, shape
