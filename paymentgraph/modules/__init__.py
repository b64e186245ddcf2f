"""Commerce modules: each owns its tables, service and entity declarations."""
