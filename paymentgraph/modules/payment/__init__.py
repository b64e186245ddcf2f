"""The payment module."""
