"""``rung dashboard --export report.html``: the dashboard as one file that opens offline.

The page's scripts and styles are inlined, and the runs' data goes in a
``<script type="application/json">`` block, which a browser never runs: every ``<``,
``>`` and ``&`` in it is written as a JSON escape, so no string from a record can close
the block. The file's Content-Security-Policy allows exactly the inlined scripts and
styles (by their SHA-256 hashes) and forbids every connection: the exported page
reaches nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rung.dashboard.assets import SCRIPTS, STYLES, asset
from rung.dashboard.feed import RunFeed
from rung.errors import ConfigError

__all__ = ["EXPORT_LOG_CAP", "export_html", "render_html"]

#: Bytes of each trial's logs kept in an exported file (the end of them).
EXPORT_LOG_CAP = 16 * 1024

#: The parts of index.html that load files from the server, replaced by inlined copies.
_REGION = {
    name: re.compile(f"<!-- {name} -->.*?<!-- /{name} -->", re.DOTALL)
    for name in ("styles", "scripts")
}
_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_for_html(payload: Any) -> str:
    """``payload`` as JSON that is safe inside an HTML ``<script>`` element."""
    text = json.dumps(payload, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def render_html(data: dict[str, Any]) -> str:
    """The dashboard's page with its assets and ``data`` inlined."""
    page = asset("index.html").decode()
    styles = [asset(name).decode() for name in STYLES]
    scripts = [asset(name).decode() for name in SCRIPTS]
    for text in scripts + styles:
        if "</" in text:  # would end the inlined element early
            raise ValueError("An asset holds '</', which cannot be inlined in a page.")
    favicon = "data:image/svg+xml;base64," + base64.b64encode(asset("favicon.svg")).decode()
    csp = (
        "default-src 'none'; img-src data:; connect-src 'none'; base-uri 'none'; "
        "form-action 'none'; "
        f"script-src {' '.join(map(_sha256, scripts))}; "
        f"style-src {' '.join(map(_sha256, styles))}"
    )
    head = f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n' + "".join(
        f"<style>{text}</style>\n" for text in styles
    )
    body = f'<script type="application/json" id="rung-data">{json_for_html(data)}</script>\n'
    body += "".join(f"<script>{text}</script>\n" for text in scripts)
    page = page.replace(
        '<link rel="icon" href="static/favicon.svg">', f'<link rel="icon" href="{favicon}">'
    )
    page = _REGION["styles"].sub(lambda _: head, page, count=1)
    return _REGION["scripts"].sub(lambda _: body, page, count=1)


def export_html(
    directories: Sequence[str | os.PathLike[str]], path: str | os.PathLike[str]
) -> Path:
    """Writes the dashboard of the runs in ``directories`` to ``path``, one offline file.

    A run still going is exported as it stands.

    Raises:
        StoreError: a directory holds no experiment, or a damaged or foreign one.
        ConfigError: no directory given.
        OSError: ``path`` cannot be written (its folder is missing, it is a folder...).
    """
    if not directories:
        raise ConfigError("The export needs at least one experiment directory; got none.")
    runs, details = [], {}
    for run_id, directory in enumerate(directories):
        feed = RunFeed(directory, run_id).start()
        try:
            runs.append(feed.snapshot())
            details[str(run_id)] = feed.details(EXPORT_LOG_CAP)
        finally:
            feed.close()
    html = render_html({"runs": runs, "details": details})
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)  # no half-written file left beside the target
        raise
    return target
