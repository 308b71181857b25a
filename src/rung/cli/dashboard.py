"""``rung dashboard DIR [DIR ...]``: serve a live web view of experiments, or export it.

rung dashboard runs/lenet                       # http://127.0.0.1:8765/
rung dashboard runs/a runs/b --port 9000        # two runs, overlaid where it makes sense
rung dashboard runs/lenet --export report.html  # one file that opens offline
"""

from __future__ import annotations

import argparse
import errno
from typing import Any

from rung.cli._args import MAX_SECONDS, UsageError, port, real
from rung.dashboard.feed import MIN_INTERVAL

__all__ = ["add_parser", "dashboard"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_INTERVAL = 1.0
interval = real(
    MIN_INTERVAL, MAX_SECONDS, f"a finite number from {MIN_INTERVAL:g} to {MAX_SECONDS:g}"
)


def add_parser(commands: Any) -> None:
    """Adds ``rung dashboard`` to the command line's subcommands."""
    parser = commands.add_parser(
        "dashboard", help="a live web view of experiments (read-only), or an offline export"
    )
    parser.add_argument("directories", metavar="DIR", nargs="+", help="experiment directories")
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to serve on (default {DEFAULT_HOST}: this machine only)",
    )
    parser.add_argument(
        "--port",
        type=port,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--interval",
        type=interval,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"how often to look for new records (default 1, at least {MIN_INTERVAL:g})",
    )
    parser.add_argument(
        "--export", metavar="FILE", help="write one self-contained HTML file instead of serving"
    )
    parser.set_defaults(handler=dashboard)


def dashboard(args: argparse.Namespace) -> int:
    from rung.dashboard.server import Dashboard

    if args.export is not None:
        from rung.dashboard.export import export_html

        serving = {"--host": args.host != DEFAULT_HOST, "--port": args.port != DEFAULT_PORT}
        serving["--interval"] = args.interval != DEFAULT_INTERVAL
        given = [flag for flag, changed in serving.items() if changed]
        if given:
            raise UsageError(
                f"--export writes a file and serves nothing: {' and '.join(given)} would be "
                "ignored; leave them out, or serve without --export."
            )

        path = export_html(args.directories, args.export)
        print(f"wrote {path} (opens offline in any browser)")
        return 0
    try:  # a wider --host is warned about by Dashboard itself (logged, once)
        server = Dashboard(args.directories, host=args.host, port=args.port, interval=args.interval)
    except OSError as err:  # the port is taken, or the host is not this machine's
        raise UsageError(
            f"cannot serve on {args.host}:{args.port}: {_reason(err)}; choose another "
            "--port (--port 0 picks a free one) or --host."
        ) from None
    print(f"rung dashboard: {server.url}  (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def _reason(err: OSError) -> str:
    if err.errno == errno.EADDRINUSE:
        return "the address is in use (another dashboard, or another server)"
    return (err.strerror or str(err)).lower()
