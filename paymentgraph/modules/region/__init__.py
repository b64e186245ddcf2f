"""The region module."""
