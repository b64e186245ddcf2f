"""Benchmarks of paymentgraph (issue 7): nested reads against the floor, payment flows, sustained load."""
