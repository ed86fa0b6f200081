"""The steps of an exchange, as plain functions over files and frames (no Airflow here).

    inbound:  receive_file(feed, path)  verify -> read + map + validate + apply -> quarantine, per file
    outbound: send_feed(feed)           select -> map -> write -> ledger
    a run:    run_feed(feed_id)         every waiting file (or one batch out) -> RunOutcome

Each step returns an outcome value (``outcome.Receipt``, ``outcome.RunOutcome``) in the ledger's vocabulary;
bad input never raises. The same functions run from the CLI (``leavehub run harbor_leave.leave_periods``) and
from Airflow tasks.
"""
