"""Reconciliation: where payroll, the leave administrator, the carrier and the HRIS disagree, per check date.

The computations are pure functions over frames (``detectors``, ``arrears``, ``scorecard``); the store reads
live in ``loader`` and the whole run in ``run``; ``workbook`` and ``html_report`` render the result. Nothing
here loads pandas at import of the package.

Example::

    from leavehub.reconcile.run import reconcile
    result = reconcile(store, vendors, check_date=date(2026, 3, 13), out_dir=Path("var/reports"))
"""
