"""Run the emulator on a loopback port in a background thread (tests, local runs)."""
from __future__ import annotations

import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app


class RedactingRequestHandler(WSGIRequestHandler):
    """Access log without query strings: Graph-style calls carry secrets and tokens there."""

    def log_request(self, code="-", size="-"):
        method, _, rest = self.requestline.partition(" ")
        path = rest.split(" ", 1)[0].split("?", 1)[0]
        self.log("info", '"%s %s" %s %s', method, path, code, size)


class EmulatorServer:
    """A threaded werkzeug server on 127.0.0.1:<free port>; ``base_url`` once started."""

    def __init__(self, config: dict | None = None, host: str = "127.0.0.1", port: int = 0):
        self.app = create_app(config)
        self._server = make_server(host, port, self.app, threaded=True, request_handler=RedactingRequestHandler)
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="platform-emulator", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def emulator(self):
        return self.app.extensions["gatepost_emulator"]

    def start(self) -> EmulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_emulator(config: dict | None = None) -> EmulatorServer:
    """Start an emulator in a background thread; call ``.stop()`` when done."""
    return EmulatorServer(config).start()
