"""Building connectors from the configuration read at start-up."""
from __future__ import annotations

from flask import current_app

from platforms import Platform, get_platform

DISPLAY_NAMES = {"x": "X", "facebook": "Facebook Pages", "linkedin": "LinkedIn organisation pages"}


def configured_platforms() -> list[str]:
    return sorted(current_app.extensions["gatepost.settings"].platform_configs)


def connector_for(name: str, **kwargs) -> Platform:
    configs = current_app.extensions["gatepost.settings"].platform_configs
    if name not in configs:
        raise LookupError(f"{DISPLAY_NAMES.get(name, name)} is not configured on this server "
                          f"(set GATEPOST_{name.upper()}_CLIENT_ID and _CLIENT_SECRET).")
    return get_platform(name, configs[name], **kwargs)
