"""Tests of the release artifacts, each used by itself in a clean place."""
