"""Fixtures for the playbook tests; the machinery lives in ansible_support.py."""

from __future__ import annotations

from ansible_support import ansible, emulator

__all__ = ["ansible", "emulator"]
