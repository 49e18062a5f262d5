"""A layer's shape parameters -> :class:`~kerascheck.facts.Geometry`.

Each front-end hands a reader of plain values: ``read(name, position)``
returns the parameter as a Python literal (ints, strings, bools, ``None``,
tuples), :data:`MISSING` when it is certainly not given, or
:data:`UNREADABLE` when it may be given but its value is not known (a
variable, ``**kwargs``). Defaults are Keras 3's. A layer with a parameter we
cannot read gets that field ``None``; a layer kind we do not know gets no
geometry at all, and shape inference stops there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from kerascheck import vocabulary as kv
from kerascheck.facts import Geometry, Layer, Shape


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING: Final = _Sentinel("MISSING")
UNREADABLE: Final = _Sentinel("UNREADABLE")

Reader = Callable[[str, "int | None"], object]

# Convolutions: spatial rank, and the positions of their parameters in the constructor.
_CONV_RANK = {
    "Conv1D": 1,
    "Conv2D": 2,
    "Conv3D": 3,
    "Convolution1D": 1,
    "Convolution2D": 2,
    "Convolution3D": 3,
    "SeparableConv1D": 1,
    "SeparableConv2D": 2,
    "SeparableConvolution1D": 1,
    "SeparableConvolution2D": 2,
    "DepthwiseConv1D": 1,
    "DepthwiseConv2D": 2,
}
_TRANSPOSED_RANK = {
    "Conv1DTranspose": 1,
    "Conv2DTranspose": 2,
    "Conv3DTranspose": 3,
    "Convolution1DTranspose": 1,
    "Convolution2DTranspose": 2,
    "Convolution3DTranspose": 3,
}
_POOL_RANK = {
    f"{op}{name}{rank}D": rank
    for op, names in (("Max", ("Pooling", "Pool")), ("Average", ("Pooling",)), ("Avg", ("Pool",)))
    for name in names
    for rank in (1, 2, 3)
}
_GLOBAL_POOL_RANK = {
    f"Global{op}{name}{rank}D": rank
    for op, names in (("Max", ("Pooling", "Pool")), ("Average", ("Pooling",)), ("Avg", ("Pool",)))
    for name in names
    for rank in (1, 2, 3)
}
_UPSAMPLING_RANK = {"UpSampling1D": 1, "UpSampling2D": 2, "UpSampling3D": 3}
_ZERO_PADDING_RANK = {"ZeroPadding1D": 1, "ZeroPadding2D": 2, "ZeroPadding3D": 3}
_CROPPING_RANK = {"Cropping1D": 1, "Cropping2D": 2, "Cropping3D": 3}
# Layers that return their input's shape: the layers that are identities at inference
# and the ones that only apply an activation (one vocabulary, kerascheck.vocabulary), and these.
SAME_SHAPE = (
    kv.TRANSPARENT_LAYERS
    | kv.ACTIVATION_LAYERS
    | frozenset(
        {
            "BatchNormalization",
            "LayerNormalization",
            "GroupNormalization",
            "UnitNormalization",
            "Normalization",
            "Rescaling",
            "Masking",
            "Identity",
            "RandomFlip",
            "RandomRotation",
            "RandomZoom",
            "RandomTranslation",
            "RandomContrast",
            "RandomBrightness",
        }
    )
)
MERGE_ELEMENTWISE = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
RECURRENT = frozenset({"SimpleRNN", "LSTM", "GRU"})
OTHER_KNOWN = frozenset(
    {
        "InputLayer",
        "Dense",
        "Flatten",
        "Reshape",
        "Permute",
        "RepeatVector",
        "Embedding",
        "Concatenate",
        "Bidirectional",
        "TimeDistributed",
        "TextVectorization",
        "Resizing",
        "CenterCrop",
    }
)
# Keras 1/2 spellings of convolution parameters: their meaning differs, so the geometry is unknown.
_OLD_PARAMETERS = ("border_mode", "subsample", "nb_filter", "nb_row", "nb_col", "dim_ordering", "subsample_length")


def spatial_rank(kind: str) -> int | None:
    """How many spatial axes a convolution, pooling, upsampling, padding or cropping layer works on."""
    for table in (_CONV_RANK, _TRANSPOSED_RANK, _POOL_RANK, _GLOBAL_POOL_RANK, _UPSAMPLING_RANK):
        if kind in table:
            return table[kind]
    return _ZERO_PADDING_RANK.get(kind) or _CROPPING_RANK.get(kind)


def is_transposed(kind: str) -> bool:
    return kind in _TRANSPOSED_RANK


def is_convolution(kind: str) -> bool:
    return kind in _CONV_RANK or kind in _TRANSPOSED_RANK


def is_pooling(kind: str) -> bool:
    return kind in _POOL_RANK


def is_global_pooling(kind: str) -> bool:
    return kind in _GLOBAL_POOL_RANK


def is_upsampling(kind: str) -> bool:
    return kind in _UPSAMPLING_RANK


def is_zero_padding(kind: str) -> bool:
    return kind in _ZERO_PADDING_RANK


def is_cropping(kind: str) -> bool:
    return kind in _CROPPING_RANK


def knows(kind: str | None) -> bool:
    """Whether shape inference knows this layer kind at all."""
    return kind is not None and (
        spatial_rank(kind) is not None
        or kind in SAME_SHAPE
        or kind in MERGE_ELEMENTWISE
        or kind in RECURRENT
        or kind in OTHER_KNOWN
    )


# -- reading plain values -----------------------------------------------------


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _tuple_of(value: object, rank: int, *, positive: bool = True) -> Shape | None:
    """``3`` or ``(3, 3)`` as a ``rank``-tuple of ints (None if not readable or not sensible)."""
    single = _int(value)
    if single is not None:
        items: tuple[object, ...] = (single,) * rank
    elif isinstance(value, (tuple, list)) and len(value) == rank:
        items = tuple(value)
    else:
        return None
    ints = tuple(_int(item) for item in items)
    if any(item is None or (positive and item <= 0) or (not positive and item < 0) for item in ints):
        return None
    return ints


def _margins(value: object, rank: int) -> tuple[tuple[int, int], ...] | None:
    """ZeroPadding/Cropping amounts: ``1``, ``(1, 2)`` (symmetric per axis, or 1-D before/after)
    or ``((1, 1), (2, 2))``; one (before, after) pair per spatial axis."""
    single = _int(value)
    if single is not None:
        return ((single, single),) * rank if single >= 0 else None
    if not isinstance(value, (tuple, list)):
        return None
    if rank == 1 and len(value) == 2 and all(_int(v) is not None for v in value):
        before, after = _int(value[0]), _int(value[1])
        assert before is not None and after is not None
        return ((before, after),) if before >= 0 and after >= 0 else None
    if len(value) != rank:
        return None
    pairs: list[tuple[int, int]] = []
    for item in value:
        one = _int(item)
        if one is not None:
            pair: tuple[int | None, int | None] = (one, one)
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            pair = (_int(item[0]), _int(item[1]))
        else:
            return None
        if pair[0] is None or pair[1] is None or pair[0] < 0 or pair[1] < 0:
            return None
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _string(value: object, default: str, allowed: frozenset[str]) -> str | None:
    if value is MISSING or value is None:
        return default
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    return None


def _with_default(value: object, default: object) -> object:
    return default if value is MISSING else value


_PADDINGS = frozenset({"valid", "same", "causal"})
_FORMATS = frozenset({"channels_last", "channels_first"})


def geometry_of(kind: str, read: Reader, inner: Layer | None = None) -> Geometry | None:
    """The shape parameters of a layer of class ``kind``, or None if its shape rules are unknown."""
    if not knows(kind):
        return None
    if any(read(name, None) is not MISSING for name in _OLD_PARAMETERS):
        return None
    data_format = _string(read("data_format", None), "channels_last", _FORMATS)
    rank = spatial_rank(kind)
    if kind in _CONV_RANK or kind in _TRANSPOSED_RANK:
        assert rank is not None
        depthwise = kind.startswith("Depthwise")
        offset = -1 if depthwise else 0  # DepthwiseConv has no `filters` before kernel_size
        transposed = kind in _TRANSPOSED_RANK
        format_position = 4 + offset + (1 if transposed or depthwise else 0)
        if transposed and read("output_padding", 4) not in (MISSING, None):
            return None  # output_padding changes the size in ways not modelled here
        if kind.startswith("Convolution") and read("strides", None) is MISSING and read("strides", 2) is not MISSING:
            return None  # Keras 1's Convolution2D(32, 3, 3) meant a 3x3 kernel, Keras 3 reads strides=3
        return Geometry(
            kernel=_tuple_of(read("kernel_size", 1 + offset), rank),
            strides=_tuple_of(_with_default(read("strides", 2 + offset), 1), rank),
            padding=_string(read("padding", 3 + offset), "valid", _PADDINGS),
            data_format=_string(read("data_format", format_position), "channels_last", _FORMATS),
            dilation=_tuple_of(_with_default(read("dilation_rate", format_position + 1), 1), rank),
            width=_int(_with_default(read("depth_multiplier", 3 if depthwise else None), 1)) if depthwise else None,
        )
    if kind in _POOL_RANK:
        assert rank is not None
        pool = _tuple_of(_with_default(read("pool_size", 0), 2), rank)
        strides_value = read("strides", 1)
        strides = pool if strides_value in (MISSING, None) else _tuple_of(strides_value, rank)
        return Geometry(
            pool=pool,
            strides=strides,
            padding=_string(read("padding", 2), "valid", _PADDINGS),
            data_format=_string(read("data_format", 3), "channels_last", _FORMATS),
        )
    if kind in _GLOBAL_POOL_RANK:
        keepdims = _with_default(read("keepdims", 1), False)
        return Geometry(
            data_format=_string(read("data_format", 0), "channels_last", _FORMATS),
            keepdims=keepdims if isinstance(keepdims, bool) else None,
        )
    if kind in _UPSAMPLING_RANK:
        assert rank is not None
        return Geometry(target=_tuple_of(_with_default(read("size", 0), 2), rank), data_format=data_format)
    if kind in _ZERO_PADDING_RANK or kind in _CROPPING_RANK:
        assert rank is not None
        name, default = ("padding", 1) if kind in _ZERO_PADDING_RANK else ("cropping", 1 if rank == 1 else 0)
        return Geometry(margins=_margins(_with_default(read(name, 0), default), rank), data_format=data_format)
    if kind in ("Reshape", "Permute"):
        value = read("target_shape" if kind == "Reshape" else "dims", 0)
        target = _signed_shape(value)
        return Geometry(target=target)
    if kind == "RepeatVector":
        n = _int(read("n", 0))
        return Geometry(target=(n,) if n is not None and n > 0 else None)
    if kind == "Embedding":
        width = _int(read("output_dim", 1))
        return Geometry(width=width if width is not None and width > 0 else None)
    if kind == "Concatenate":
        axis = _int(_with_default(read("axis", 0), -1))
        return Geometry(axis=axis)
    if kind in RECURRENT:
        return_state = _with_default(read("return_state", None), False)
        return Geometry(return_state=return_state if isinstance(return_state, bool) else None)
    if kind == "Bidirectional":
        mode = read("merge_mode", 1)
        merge_mode: str | None = "concat" if mode is MISSING else "none" if mode is None else None
        if isinstance(mode, str) and mode in ("concat", "sum", "mul", "ave"):
            merge_mode = mode
        return Geometry(merge_mode=merge_mode, inner=inner)
    if kind == "TimeDistributed":
        return Geometry(inner=inner)
    if kind == "Flatten":
        return Geometry(data_format=data_format)
    if kind == "TextVectorization":
        mode = _with_default(read("output_mode", None), "int")
        length = _int(read("output_sequence_length", None))
        known = mode == "int" and length is not None and length > 0
        return Geometry(target=(length,) if known else None)
    if kind in ("Resizing", "CenterCrop"):
        size = (_int(read("height", 0)), _int(read("width", 1)))
        known = all(d is not None and d > 0 for d in size)
        return Geometry(target=size if known else None, data_format=data_format)
    return Geometry()


def _signed_shape(value: object) -> Shape | None:
    """A Reshape target / Permute dims: ints (``-1`` allowed, checked by the layer rules)."""
    if not isinstance(value, (tuple, list)) or not value:
        return None
    dims = tuple(_int(item) for item in value)
    return None if any(d is None for d in dims) else dims
