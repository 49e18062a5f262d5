"""KC3xx: labels and data that do not match the model, or leak into evaluation."""

from __future__ import annotations
