"""``rung dashboard``: a live web view of experiments, and its offline export.

:class:`~rung.dashboard.server.Dashboard` serves one or more experiment directories on
loopback, read-only, following their runs as they go (:class:`~rung.dashboard.feed.RunFeed`);
:func:`~rung.dashboard.export.export_html` writes the same views as one self-contained
HTML file. The page's files ship in ``rung/dashboard/static``: nothing is fetched from
elsewhere.
"""

from rung.dashboard.export import export_html
from rung.dashboard.feed import RunFeed
from rung.dashboard.server import Dashboard

__all__ = ["Dashboard", "RunFeed", "export_html"]
