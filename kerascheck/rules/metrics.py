"""KC2xx: metrics and evaluation code that cannot tell a useless model from a good one."""

from __future__ import annotations
