"""``python -m tools.ooapi_peer``: the reference peer without loading Django (see ``tools.ooapi_peer``)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from pathlib import Path

from tools.ooapi_peer.server import serve


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8100, help="port (0: any free port; the real one is printed)")
    parser.add_argument("--offerings", type=int, default=200, help="catalogue size in offerings (default 200)")
    parser.add_argument("--offerings-per-course", type=int, default=4, help="offerings per course (default 4)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated catalogue (default 1)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="pretend today is YYYY-MM-DD")
    parser.add_argument("--base-path", default="", help="serve OOAPI under this path, e.g. /v5")
    parser.add_argument("--state-file", type=Path, default=None, help="journal of associations, kept across restarts")
    parser.add_argument("--log-requests", action="store_true", help="log every request to stderr")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process dies")


def options_from(args: argparse.Namespace) -> dict:
    return {
        "host": args.host,
        "port": args.port,
        "offerings": args.offerings,
        "offerings_per_course": args.offerings_per_course,
        "seed": args.seed,
        "today": args.today,
        "base_path": args.base_path,
        "state_file": args.state_file,
        "verbose": args.log_requests,
        "exit_with_parent": args.exit_with_parent,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.ooapi_peer", description="OOAPI v5 reference peer")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    serve(**options_from(args))


if __name__ == "__main__":
    main()
