"""Sandbox: vendor simulators and synthetic data so every exchange can run end to end on one machine.

Nothing in the product imports this package; keep this file light (no pandas, numpy or I/O on import).
"""
