"""834 transaction sets the carrier rejected or partially accepted and that have not been resent since.

Input: the ``x12_transaction_set`` rows (vendor, feed, business_date, control_number, set_control, status,
sent_at, acknowledged_at). A set needs a resend when its status is REJECTED or PARTIALLY_ACCEPTED; it is
resolved once a set for the same vendor, feed and business date was sent after it (the resend carries new
control numbers). The exception is about a file, not a person: ``employee_id`` is empty and the money at
stake is unknown (0).

Example::

    found = sets_not_resent(transaction_sets, check_date=date(2026, 3, 13))
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from leavehub.reconcile.exceptions import combine, exception_frame, text_column

__all__ = ["RESEND_STATUSES", "sets_not_resent"]

RESEND_STATUSES = ("REJECTED", "PARTIALLY_ACCEPTED")


def sets_not_resent(sets: pd.DataFrame, *, check_date: date) -> pd.DataFrame:
    if not len(sets):
        return combine([])
    frame = pd.DataFrame({"vendor": text_column(sets, "vendor"), "feed": text_column(sets, "feed"),
                          "day": text_column(sets, "business_date"), "status": text_column(sets, "status"),
                          "control": text_column(sets, "control_number"), "set": text_column(sets, "set_control"),
                          "sent_at": pd.to_datetime(sets["sent_at"].astype(object), utc=True)})
    latest = frame.groupby(["vendor", "feed", "day"])["sent_at"].transform("max")
    open_ = frame.loc[frame["status"].isin(RESEND_STATUSES) & (frame["sent_at"] >= latest)]
    keys = (open_["vendor"] + "/" + open_["feed"] + "/ISA " + open_["control"] + "/ST " + open_["set"]).to_numpy(
        dtype=object)
    reason = (open_["feed"] + " file for business date " + open_["day"] + " (interchange " + open_["control"]
              + ", set " + open_["set"] + ") was " + open_["status"] + " by " + open_["vendor"]
              + "; nothing was sent for that date since").to_numpy(dtype=object)
    return exception_frame("X12_SET_NOT_RESENT", np.full(len(open_), "", dtype=object), keys,
                           np.zeros(len(open_), np.int64), reason, check_date)
