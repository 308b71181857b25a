"""The page's files, shipped inside the package (``rung/dashboard/static/``): no CDN.

Only the files listed here are served, by exact name, so no request path reaches the
file system.
"""

from __future__ import annotations

import functools
from importlib import resources

__all__ = ["CONTENT_TYPES", "SCRIPTS", "STYLES", "asset", "asset_names"]

#: The page's scripts, in the order they load (each uses the ones before it).
SCRIPTS = ("core.js", "plot.js", "views.js", "params.js", "tables.js", "app.js")
STYLES = ("dashboard.css",)
_OTHERS = ("index.html", "favicon.svg")

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
}


def asset_names() -> tuple[str, ...]:
    """Every file the page may ask for."""
    return SCRIPTS + STYLES + _OTHERS


@functools.cache
def asset(name: str) -> bytes:
    """The bytes of the shipped file ``name``.

    Raises:
        KeyError: ``name`` is not one of :func:`asset_names`.
    """
    if name not in asset_names():
        raise KeyError(name)
    return (resources.files("rung.dashboard") / "static" / name).read_bytes()
