"""One module per guideline category; each check reads its section of the policy once, at load."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..lexicon import Lexicon

if TYPE_CHECKING:
    from ..inspection import Inspection
    from ..policy import Policy


class Check:
    """Base for a category's checks: compile from the policy once, then `run` on each post."""

    category = ""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.settings = policy.section(self.category)

    def lexicon(self, key: str, section: dict | None = None, shared: bool = True) -> Lexicon:
        source = self.settings if section is None else section
        return Lexicon(f"{self.category}.{key}", source.get(key) or (), shared=shared)

    def evasion_lexicons(self) -> list[Lexicon]:
        """Lexicons whose words people disguise ("sh1t", "f u c k"); the normaliser learns them."""
        return []

    def run(self, inspection: Inspection) -> None:
        raise NotImplementedError


def build_checks(policy: Policy) -> list[Check]:
    from .confidential import ConfidentialCheck
    from .copyright import CopyrightCheck
    from .defamation import DefamationCheck
    from .discrimination import DiscriminationCheck
    from .harassment import HarassmentCheck
    from .offensive import OffensiveCheck
    from .personal_data import PersonalDataCheck
    from .reputation import ReputationCheck

    every_check = (OffensiveCheck, HarassmentCheck, DefamationCheck, CopyrightCheck, DiscriminationCheck,
                   ConfidentialCheck, PersonalDataCheck, ReputationCheck)
    return [check(policy) for check in every_check if policy.is_enabled(check.category)]
