"""A count with its noun, singular for one: "1 epoch", "3 epochs"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, noun: str) -> str:
    """``count`` followed by ``noun``, with an ``s`` unless ``count`` is 1.

    Args:
        count: How many.
        noun: The singular noun (``"epoch"``).

    Returns:
        ``"1 epoch"``, ``"0 epochs"``, ``"3 epochs"``.
    """
    return f"{count} {noun}{'' if count == 1 else 's'}"
