"""python -m platforms.emulator [--host H] [--port N] [--config FILE.json]"""
from __future__ import annotations

import argparse
import json
import logging

from werkzeug.serving import run_simple

from .app import create_app
from .server import RedactingRequestHandler


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the X / Facebook / LinkedIn emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5050)
    parser.add_argument("--config", help="JSON file with clients, accounts, lifetimes and faults")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = None
    if args.config:
        with open(args.config, encoding="utf-8") as handle:
            config = json.load(handle)
    run_simple(
        args.host, args.port, create_app(config), threaded=True, use_reloader=False,
        request_handler=RedactingRequestHandler,
    )


if __name__ == "__main__":
    main()
