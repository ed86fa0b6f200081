"""The pay-during-leave rules engine: pure functions from canonical frames to instruction frames.

Pure means: no store, no files, no network, no Airflow. Inputs are canonical frames (the store's reads),
the pay calendar window, the employer's policy (``leavehub.config.policy``) and the dated rule tables
(``leavehub.config.rule_tables``); outputs are frames. Everything is vectorized over employees.

Modules: ``pay`` (price one period), ``intermittent``, ``third_party`` (memo lines), ``premiums`` (blocked
deductions, arrears, catch-up), ``retro`` (diff against what was sent), ``overpayments``, ``fmla``
(eligibility, entitlement, balance), ``schedule`` and ``money`` (integer cents), ``lines`` (the frame).
This package file imports nothing heavy; import the module you need.
"""
