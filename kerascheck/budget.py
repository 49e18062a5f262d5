"""Per-file budgets: what one input may cost before kerascheck stops and says so.

One file must never take the run down or hold it up, whatever it contains.
Every limit here bounds time or memory for one input; exceeding one gives
that input one KC003 line (or, for folded constants, an unknown value) and
the run goes on. The figures are far beyond hand-written code and far below
what makes the parser or the interpreter slow; the README lists them.
"""

from __future__ import annotations

# Reading: sources and notebooks larger than this are not read (configurable: max-file-size).
MAX_FILE_BYTES = 8 * 1024 * 1024

# Parsing: libcst's parser recurses once per level of expression nesting and is
# super-linear in it (a 3 000-term `1+1+...` takes over 10 s; 8 000 `and` terms
# overflow its native stack). Hand-written code stays below 50 levels.
MAX_NESTING = 400
# An `elif` ladder nests in libcst and in the interpreter, as deep as it is long.
MAX_ELIF_CHAIN = 400

# Interpreting: statements executed per file (function bodies count once per summary run).
MAX_STEPS = 200_000

# Constant folding: a folded value beyond these sizes is unknown, not computed.
MAX_INT_BITS = 1_000  # about 300 decimal digits
MAX_STR_CHARS = 100_000


class OverBudget(Exception):
    """An input exceeded a budget; the message is one line for the user (KC003)."""


def fits(value: object) -> bool:
    """Whether a folded constant is small enough to keep (else it becomes unknown)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value.bit_length() <= MAX_INT_BITS
    if isinstance(value, (str, bytes)):
        return len(value) <= MAX_STR_CHARS
    return True
