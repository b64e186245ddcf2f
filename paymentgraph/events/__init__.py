"""Events: the transactional outbox, subscribers and scheduled jobs.

Services call ``outbox.record_event`` (as low as ``db/``). A store uses :func:`subscriber`, :func:`job`
and ``pg.handlers`` (see :mod:`paymentgraph.events.registry`); the dispatcher and the scheduler run them.
"""

from paymentgraph.events.registry import Event, Handlers, Job, Loop, Subscriber, job, subscriber

__all__ = ["Event", "Handlers", "Job", "Loop", "Subscriber", "job", "subscriber"]
