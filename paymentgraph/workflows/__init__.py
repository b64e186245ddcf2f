"""Multi-step, multi-module operations with compensation and recovery points (see engine.py)."""
