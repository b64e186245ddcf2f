"""Events: the transactional outbox, subscribers, scheduled jobs.

``outbox.record_event`` is what services call (as low as ``db/``); the public API for a store is
``subscriber`` and ``job`` (decorators) and ``Extensions`` (the registration calls), see README.
"""
