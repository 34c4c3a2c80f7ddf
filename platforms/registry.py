"""The registry of connector classes and the one lookup function."""
from __future__ import annotations

from .base import Platform, TokenRefreshHook
from .config import PlatformConfig
from .facebook import FacebookPages
from .linkedin import LinkedInOrganizations
from .x import XPlatform

PLATFORMS: dict[str, type[Platform]] = {
    XPlatform.name: XPlatform,
    FacebookPages.name: FacebookPages,
    LinkedInOrganizations.name: LinkedInOrganizations,
}


def get_platform(
    name: str, config: PlatformConfig, *, on_token_refresh: TokenRefreshHook | None = None
) -> Platform:
    """Return the connector for ``name`` ("x", "facebook", "linkedin")."""
    try:
        platform_class = PLATFORMS[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; known: {sorted(PLATFORMS)}") from None
    return platform_class(config, on_token_refresh=on_token_refresh)
