"""``rung dashboard DIR [DIR ...]``: serve a live web view of experiments, or export it.

rung dashboard runs/lenet                       # http://127.0.0.1:8765/
rung dashboard runs/a runs/b --port 9000        # two runs, overlaid where it makes sense
rung dashboard runs/lenet --export report.html  # one file that opens offline
"""

from __future__ import annotations

import argparse
from typing import Any

from rung.cli._args import UsageError, non_negative_int, positive_float

__all__ = ["add_parser", "dashboard"]

DEFAULT_PORT = 8765


def add_parser(commands: Any) -> None:
    """Adds ``rung dashboard`` to the command line's subcommands."""
    parser = commands.add_parser(
        "dashboard", help="a live web view of experiments (read-only), or an offline export"
    )
    parser.add_argument("directories", metavar="DIR", nargs="+", help="experiment directories")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1: this machine only)",
    )
    parser.add_argument(
        "--port",
        type=non_negative_int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--interval",
        type=positive_float,
        default=1.0,
        metavar="SECONDS",
        help="how often to look for new records (default 1)",
    )
    parser.add_argument(
        "--export", metavar="FILE", help="write one self-contained HTML file instead of serving"
    )
    parser.set_defaults(handler=dashboard)


def dashboard(args: argparse.Namespace) -> int:
    from rung.dashboard.server import Dashboard

    if args.export is not None:
        from rung.dashboard.export import export_html

        try:
            path = export_html(args.directories, args.export)
        except OSError as err:  # a path the user gave: one line naming it, as for any flag
            reason = err.strerror or str(err)
            raise UsageError(f"argument --export: cannot write {args.export!r}: {reason}") from None
        print(f"wrote {path} (opens offline in any browser)")
        return 0
    if args.port > 65535:
        raise UsageError(f"--port must be at most 65535; got {args.port}.")
    # Off loopback, Dashboard warns (once) that anyone who can reach it reads the runs.
    server = Dashboard(args.directories, host=args.host, port=args.port, interval=args.interval)
    print(f"rung dashboard: {server.url}  (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
