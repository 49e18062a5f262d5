"""Element types (dtypes) of arrays, as facts both front-ends build the same way.

The static front-end reads a dtype from source (``dtype="float32"``,
``np.uint8``, ``.astype(int)``); the runtime front-end from a real array's
``dtype``. Both end here, so a name means one :class:`~kerascheck.facts.DType`.
Only what is certain is named: Python's ``int`` is the platform's default
integer (int64 on Linux, int32 on Windows before numpy 2), so it is an integer
of unknown width.
"""

from __future__ import annotations

from kerascheck.facts import DType, DTypeKind

_KINDS: dict[str, DTypeKind] = {
    "bool": DTypeKind.BOOL,
    "int8": DTypeKind.INTEGER,
    "int16": DTypeKind.INTEGER,
    "int32": DTypeKind.INTEGER,
    "int64": DTypeKind.INTEGER,
    "uint8": DTypeKind.INTEGER,
    "uint16": DTypeKind.INTEGER,
    "uint32": DTypeKind.INTEGER,
    "uint64": DTypeKind.INTEGER,
    "float16": DTypeKind.FLOAT,
    "bfloat16": DTypeKind.FLOAT,
    "float32": DTypeKind.FLOAT,
    "float64": DTypeKind.FLOAT,
    "complex64": DTypeKind.COMPLEX,
    "complex128": DTypeKind.COMPLEX,
}
# Python's types and numpy's aliases: what numpy makes of them on every platform.
_ALIASES: dict[str, DType] = {
    "bool_": DType(DTypeKind.BOOL, "bool"),
    "float": DType(DTypeKind.FLOAT, "float64"),
    "double": DType(DTypeKind.FLOAT, "float64"),
    "single": DType(DTypeKind.FLOAT, "float32"),
    "half": DType(DTypeKind.FLOAT, "float16"),
    "complex": DType(DTypeKind.COMPLEX, "complex128"),
    "int": DType(DTypeKind.INTEGER),  # the platform's default integer
    "int_": DType(DTypeKind.INTEGER),
    "intc": DType(DTypeKind.INTEGER),
    "str": DType(DTypeKind.STRING),
    "str_": DType(DTypeKind.STRING),
    "object": DType(DTypeKind.OTHER),
    "object_": DType(DTypeKind.OTHER),
}
# numpy's one-letter ``dtype.kind`` codes.
_NUMPY_KINDS: dict[str, DTypeKind] = {
    "b": DTypeKind.BOOL,
    "i": DTypeKind.INTEGER,
    "u": DTypeKind.INTEGER,
    "f": DTypeKind.FLOAT,
    "c": DTypeKind.COMPLEX,
    "U": DTypeKind.STRING,
    "S": DTypeKind.STRING,
}

FLOAT64 = DType(DTypeKind.FLOAT, "float64")
FLOAT = DType(DTypeKind.FLOAT)
INTEGER = DType(DTypeKind.INTEGER)
UINT8 = DType(DTypeKind.INTEGER, "uint8")
BOOL = DType(DTypeKind.BOOL, "bool")


def from_name(name: str) -> DType | None:
    """The dtype a name stands for (``"float32"``, ``"uint8"``, ``"float"``); None if not one we know."""
    kind = _KINDS.get(name)
    if kind is not None:
        return DType(kind, name)
    return _ALIASES.get(name)


def from_array(dtype: object) -> DType | None:
    """The fact for a real array's ``dtype`` (a ``numpy.dtype`` or anything with ``kind`` and ``name``)."""
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and name in _KINDS:
        return DType(_KINDS[name], name)
    kind = getattr(dtype, "kind", None)
    if not isinstance(kind, str):
        return None
    return DType(_NUMPY_KINDS.get(kind, DTypeKind.OTHER))
