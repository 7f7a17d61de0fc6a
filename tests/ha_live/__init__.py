"""The integration in a real Home Assistant process."""
