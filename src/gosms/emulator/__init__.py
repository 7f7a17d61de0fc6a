"""A local GoSMS API for tests, demos and trying a playbook without spending the SMS quota.

It answers like the real service — the same endpoints, checks, codes and Russian error texts (taken
from :data:`gosms.wire.errors.TABLE`), rate limit and message lifecycle — and adds what the real one
cannot: a clock to move forward, faults to inject, and a log of what clients sent.
"""

from __future__ import annotations

from .faults import ENDPOINTS, FAULT_KINDS, FaultRule
from .runner import Emulator
from .state import DEFAULT_TOKEN, PERMISSIONS, ScenarioError

__all__ = ["DEFAULT_TOKEN", "ENDPOINTS", "FAULT_KINDS", "PERMISSIONS", "Emulator", "FaultRule", "ScenarioError"]
