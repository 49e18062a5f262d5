"""Library semantics for the static interpreter: what a call, method or attribute means.

The interpreter (:mod:`kerascheck.static.interpreter`) knows Python: scopes,
statements, user functions and classes. Everything a *library* does is here,
one small handler per canonical callable or per (receiver kind, method), in
the spirit of astroid's "brains". Modules by library:

=================  ==========================================================
``keras``          layers, models, losses, metrics, ``fit``/``compile``/...,
                   ``keras.utils``, ``keras.datasets``, image generators
``numpy``          array constructors, argmax/rounding, concatenation, sorting
``sklearn``        splits, scalers/imputers/encoders, metrics, datasets
``pandas``         frames, columns, ``get_dummies``, ``sort_values``
``tfdata``         ``tf.data`` pipelines and ``tf`` functions on data
``builtins``       ``len``, ``list``, names every module sees
``operators``      Python operators on values (``x / 255``, ``y[:, 0]``, ``p > .5``)
``images``         image files read by PIL / OpenCV / ...; Python's ``random``
``common``         meanings shared by several libraries (one-hot, argmax)
``arrays``         value ranges, rescaled labels, origins and value-changing steps
``dtypes``         element types: which dtype each call gives (a finisher)
=================  ==========================================================

**Teaching a new callable.** Open the library's module and register a handler::

    @REGISTRY.function("numpy.random.randint")
    def randint(ctx: CallContext) -> Value:
        high = const_int(ctx.arg("high", 1))
        ...
        return Data(labels=...)

``ctx`` (:class:`~.context.CallContext`) has the evaluated arguments
(``ctx.arg(name, position)``: ``None`` if absent, ``UNKNOWN`` if maybe given),
the source ``anchor`` for facts, the scope (``ctx.rebind_argument(0, value)``
for in-place functions, ``ctx.rebind_receiver(value)`` for mutating methods)
and the program ``state`` (models, recorded facts). Return a value; return
``None`` to decline (the next candidate is tried); anything unclaimed is
``UNKNOWN``. A name pattern is a ``REGISTRY.family(description, predicate)``.
Precedence is explicit (:class:`~.registry.Precedence`): Keras constructors,
then calls on symbolic tensors, then library data semantics; within one
precedence an exact name beats a family.

**Teaching a method** of a value kind (``Data``, ``Prediction``, ``Estimator``,
``ModelObj``, ``LayerObj``...): ``@REGISTRY.method(Data, "astype")``, with
``ctx.receiver`` and ``ctx.method``. Calling a value itself is the method
``"__call__"``. Methods that return the receiver unchanged go in a table:
``REGISTRY.keep(Data, ("cache", "batch"))``; functions that return their
first argument unchanged: ``REGISTRY.pass_through(names, kinds=(Data,))``.
Attributes: ``@REGISTRY.attribute(Data, "shape")`` with ``handler(receiver)``.

**Where a new shape goes.** Facts about arrays (per-sample shape, dtype,
range, lineage) are fields of :class:`~kerascheck.static.values.Data`; a
handler that creates or transforms an array sets them, in the module of the
library whose call it is (``np.reshape`` in ``numpy``, ``x.reshape`` as the
method ``(Data, "reshape")`` in ``numpy``, ``tf.data`` steps in ``tfdata``).
Arithmetic and subscripts on arrays are in ``operators``. The dtype is the
exception: :mod:`.dtypes` decides it for every call's result, from tables.
"""

from __future__ import annotations

# Importing the library modules registers their handlers.
from kerascheck.static.semantics import builtins, dtypes, images, keras, numpy, pandas, sklearn, tfdata  # noqa: F401
from kerascheck.static.semantics.context import CallContext
from kerascheck.static.semantics.registry import REGISTRY, Precedence, Registry
from kerascheck.static.semantics.state import ProgramState

__all__ = ["REGISTRY", "CallContext", "Precedence", "ProgramState", "Registry"]
