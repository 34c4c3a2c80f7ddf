"""A local stand-in for X, Facebook Pages and LinkedIn, for tests and `make run`.

    flask --app platforms.emulator run          # create_app() with the default accounts
    python -m platforms.emulator --port 5050
    with EmulatorServer(config) as server: ...  # tests: loopback port, background thread

Connectors need only their base URLs pointed here: see ``connector_config``.
"""
from .app import create_app
from .control import EmulatorControl, connector_config
from .server import EmulatorServer, start_emulator
from .state import DEFAULT_CONFIG

__all__ = ["DEFAULT_CONFIG", "EmulatorControl", "EmulatorServer", "connector_config", "create_app", "start_emulator"]
