"""Runtime front-ends: a built model, a saved ``.keras``/``.h5`` file, a training run.

Each turns what it sees into the same :mod:`kerascheck.facts` the static
front-end derives from source code, so every rule fires with the same code
whichever way the model reached us.

Importing this package imports neither Keras nor TensorFlow: ``saved`` reads
archives with ``zipfile`` + ``json`` only, ``model`` duck-types the objects it
is handed, and ``callback`` builds its Keras subclass on first use.

- ``serialized``: Keras's serialized configs (layer, loss, metric) -> facts; shared.
- ``graph``: a live model's recorded graph -> layer chains (duck-typed).
- ``subclassed``: subclassed models: a symbolic trace of ``call``, else layer order.
- ``compiled``: a live model's compile arguments in serialized form.
- ``model``: ``facts_from_model``: the above put together.
- ``labels``: arrays and datasets -> label facts, raw-image detection (needs numpy).
- ``inspect``: ``inspect(model, x, y)`` -> diagnostics.
- ``archive`` / ``saved``: a ``.keras`` or ``.h5`` file -> its config, safely -> facts.
- ``factory``: ``--model package.module:factory``.
- ``callback``: ``KerasCheckCallback`` for ``model.fit``.
"""
