"""The pay run: from the store's canonical frames, through the pure rules engine, to a LedgerPay pay-data import.

Modules: ``inputs`` (read the canonical frames and the pay window from the store), ``book`` (the pay batches
built and sent per company and check date, and their state), ``import_file`` (instruction lines as the import's
rows), ``run`` (plan a run: price, diff against what was sent, pick NEW / REPLACE / nothing; then write, seal
and deliver). ``leavehub.rules`` stays pure; everything with I/O lives here. This file imports nothing heavy.
"""
