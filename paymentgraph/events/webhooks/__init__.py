"""Merchant webhooks: admins register endpoints, and every committed event they listed is POSTed to them,
signed, retried for at least a day.

- :mod:`.endpoints`: the endpoints (create, update, delete, list), their URLs checked by :mod:`.addresses`;
- :mod:`.deliveries`: the built-in subscriber that makes one delivery per (endpoint, event), the
  deliveries admins read, and redelivery by hand;
- :mod:`.sender`: the background loop that POSTs due deliveries and records every attempt;
- :mod:`.signature`: the signature, and its check for receivers (``paymentgraph.webhooks``).
"""
