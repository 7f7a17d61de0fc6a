"""Tests of the Home Assistant integration."""
