"""The language server, ``kerascheck server`` (needs the ``[lsp]`` extra: pygls and lsprotocol).

Importing this package imports pygls, so a missing extra shows up as an
``ImportError`` here, which the command line turns into a one-line hint.
"""

from __future__ import annotations

from kerascheck.lsp.server import serve

__all__ = ["serve"]
