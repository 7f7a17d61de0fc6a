"""Fixtures for the playbook tests; the machinery lives in ansible_support.py."""

from __future__ import annotations

from ansible_support import ansible, bare_python, emulator, installed_collection

__all__ = ["ansible", "bare_python", "emulator", "installed_collection"]
