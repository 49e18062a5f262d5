"""The static front-end: source code (``.py``, ``.ipynb``) to facts, with libcst."""
