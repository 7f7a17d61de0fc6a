"""Helpers shared by more than one test suite (the repository root is on ``sys.path``: suites run as
``python -m pytest``)."""
