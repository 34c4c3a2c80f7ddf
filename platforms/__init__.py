"""Connectors for the social networks Gatepost publishes to.

Importing this package does no work: connectors are built on demand with
``get_platform(name, config)``. Nothing here imports Flask, SQLAlchemy,
``scheduler`` or ``gate``; the emulator sub-package is the only Flask user.
"""
from .base import (
    Authorization,
    AuthorizationRequest,
    ConnectedIdentity,
    Draft,
    Image,
    Platform,
    PublishResult,
    TokenSet,
    ValidationProblem,
)
from .config import PlatformConfig, config_from_environ
from .errors import ERROR_KINDS, AuthorizationFailed, PlatformError
from .registry import PLATFORMS, get_platform

__all__ = [
    "Authorization",
    "AuthorizationFailed",
    "AuthorizationRequest",
    "ConnectedIdentity",
    "Draft",
    "ERROR_KINDS",
    "Image",
    "PLATFORMS",
    "Platform",
    "PlatformConfig",
    "PlatformError",
    "PublishResult",
    "TokenSet",
    "ValidationProblem",
    "config_from_environ",
    "get_platform",
]
