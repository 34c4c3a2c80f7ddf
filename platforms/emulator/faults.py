"""Fault injection: rules that decide, per request, whether to misbehave and how.

A rule matches a network and an endpoint class and fires either always
(optionally only ``count`` times) or with a probability. Probabilistic rules
share one seeded random draw per request, so "30% 5xx, 10% 429, 5% lost" means
exactly that split, reproducibly for a given seed and request order.
"""
from __future__ import annotations

import itertools
import random
import threading
from dataclasses import asdict, dataclass, field

ENDPOINTS = ("authorize", "token", "publish", "upload", "delete", "read", "any")
ACTIONS = (
    "server_error",  # the network's 5xx answer, nothing stored
    "rate_limit",  # the network's 429 (or throttle error) with its reset headers
    "slow",  # sleep delay_seconds, then answer normally (may commit after the client gave up)
    "lost_after_commit",  # handle normally (the post is stored), then drop or delay the answer
    "disconnect",  # close the connection without handling the request
    "duplicate",  # the network's duplicate-content rejection
)


@dataclass
class FaultRule:
    action: str
    network: str | None = None  # None matches every network
    endpoint: str = "publish"
    count: int | None = None  # None: unlimited; 1: one-shot
    probability: float = 1.0
    status: int | None = None  # for server_error; the network's usual code if None
    delay_seconds: float = 2.0  # for slow and lost_after_commit (mode "delay")
    mode: str = "drop"  # lost_after_commit: "drop" the connection or "delay" past the timeout
    reset_in_seconds: int = 60  # rate_limit: when the window resets
    code: int | None = None  # network-specific error code override (Facebook throttle codes)
    id: int = 0
    fired: int = 0

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; use one of {ACTIONS}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown fault endpoint {self.endpoint!r}; use one of {ENDPOINTS}")
        if not 0.0 < self.probability <= 1.0:
            raise ValueError("probability must be in (0, 1]")
        if self.mode not in ("drop", "delay"):
            raise ValueError("mode must be 'drop' or 'delay'")

    def matches(self, network: str, endpoint: str) -> bool:
        if self.network not in (None, network):
            return False
        if self.endpoint not in ("any", endpoint):
            return False
        return self.count is None or self.fired < self.count

    def as_dict(self) -> dict:
        data = asdict(self)
        data["remaining"] = None if self.count is None else max(0, self.count - self.fired)
        return data


@dataclass
class FaultPlan:
    rules: list[FaultRule] = field(default_factory=list)
    seed: int | None = None

    def __post_init__(self):
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)
        self._ids = itertools.count(1)

    def add(self, **spec) -> FaultRule:
        spec = {k: v for k, v in spec.items() if k not in ("id", "fired", "remaining")}
        rule = FaultRule(**spec)
        with self._lock:
            rule.id = next(self._ids)
            self.rules.append(rule)
        return rule

    def replace(self, rules: list[dict], seed: int | None = None) -> list[FaultRule]:
        with self._lock:
            self.rules = []
            self.seed = seed
            self._random = random.Random(seed)
        return [self.add(**spec) for spec in rules]

    def clear(self) -> None:
        with self._lock:
            self.rules = []

    def draw(self, network: str, endpoint: str) -> FaultRule | None:
        """The rule that fires for this request, if any (and count it as fired)."""
        with self._lock:
            candidates = [r for r in self.rules if r.matches(network, endpoint)]
            if not candidates:
                return None
            certain = [r for r in candidates if r.probability >= 1.0]
            chosen = certain[0] if certain else None
            if chosen is None:
                roll = self._random.random()
                cumulative = 0.0
                for rule in candidates:
                    cumulative += rule.probability
                    if roll < cumulative:
                        chosen = rule
                        break
            if chosen is not None:
                chosen.fired += 1
            return chosen

    def describe(self) -> dict:
        with self._lock:
            return {"seed": self.seed, "rules": [r.as_dict() for r in self.rules]}
