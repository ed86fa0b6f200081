"""The steps of an exchange, as plain functions over files and frames (no Airflow here).

    inbound:  receive_file(feed, path)  read -> map -> validate -> store, all or nothing per file
    outbound: send_feed(feed)           select -> map -> write -> ledger

The same functions run from the CLI (``leavehub run harbor_leave.leave_periods``) and from Airflow tasks.
"""
