"""The order module."""
