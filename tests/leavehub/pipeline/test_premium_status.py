"""`leavehub premiums status [EMPLOYEE]` on SQLite and PostgreSQL: the leave comes through the Harbor feed
(PREMIUM_METHOD and COVERAGE_REVOKED mapped into the canonical leave period), enrollments, the pay calendar and
the premium movements are in the store; the command prints each bucket and the 30-days-late list, ids only."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from hashlib import sha256
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from leavehub.cli import app
from leavehub.pipeline.runner import run_feed
from sandbox.synthetic.harbor_files import LEAVE_COLUMNS, render_csv
from tests.leavehub.rules.frames import canonical_frame

pytestmark = pytest.mark.timeout(120)
SEEN = datetime(2026, 3, 1, tzinfo=UTC)
LEAVE = {"CASE_NUMBER": "NTN-1", "ABSENCE_PERIOD_KEY": "PL-1", "EMPLOYEE_ID": "E1",
         "LEAVE_REASON": "Care for a Family Member", "PERIOD_TYPE": "Continuous", "PLAN": "FMLA",
         "DECISION": "Approved", "PERIOD_START": "2026-03-02", "PERIOD_END": "2026-04-12", "NOTICE_DATE": "",
         "DECISION_DATE": "", "LAST_DAY_WORKED": "", "RTW_DATE": "", "RTW_OUTCOME": "", "REDUCED_HOURS_WEEK": "",
         "WEEKLY_BENEFIT": "", "PTO_ELECTION": "N", "TOPUP_AGREEMENT": "", "ADVANCE_AGREEMENT": "",
         "PREMIUM_METHOD": "Pay As You Go", "COVERAGE_REVOKED": "N", "UPDATED_AT": "2026-03-01T08:00:00Z"}
PERIODS = [(date(2026, 3, 2), date(2026, 3, 15), date(2026, 3, 20)),
           (date(2026, 3, 16), date(2026, 3, 29), date(2026, 4, 3)),
           (date(2026, 3, 30), date(2026, 4, 12), date(2026, 4, 17))]


def stage(store, entity: str, records: list[dict], keys: tuple[str, ...]) -> None:
    from leavehub.store import FileArrival, SupersedeRule

    frame = canonical_frame(entity, records)
    frame.insert(0, "_row", pd.Series(range(1, len(records) + 1), dtype=pd.ArrowDtype(pa.int64())))
    frame.insert(0, "record_key", ["|".join(str(r[k]) for k in keys) for r in records])
    arrival = FileArrival("demo", entity, "inbound", f"{entity}.csv", 10, sha256(entity.encode()).hexdigest(),
                          sha256(entity.encode() * 2).hexdigest(), None,
                          date(2026, 3, 1), "change", "1.0.0", "1")
    with store.intake(arrival) as intake:
        intake.stage(entity, frame, SupersedeRule.FILE_DATE)


def test_premiums_status_prints_each_bucket_and_the_late_list(local_hub, tmp_path: Path):
    path = tmp_path / "HARBOR_LEAVE_20260302.csv"
    path.write_bytes(render_csv(LEAVE_COLUMNS, [[LEAVE[c] for c in LEAVE_COLUMNS]]))
    run_feed("harbor_leave.leave_periods", files=[path], settings=local_hub.settings)
    store = local_hub.open_store()
    stage(store, "enrollment", [{"employee_id": "E1", "plan_type": "MEDICAL", "deduction_code": "MED",
                                 "employee_premium_per_period": Decimal("120.00"),
                                 "effective_from": date(2026, 1, 1), "updated_at": SEEN}],
          ("employee_id", "plan_type", "effective_from"))
    stage(store, "pay_period", [{"payroll_company_code": "NWD", "pay_frequency": "BIWEEKLY", "period_start": s,
                                 "period_end": e, "check_date": c} for s, e, c in PERIODS], ("period_start",))
    moves = [{"entry_id": f"B{i}", "employee_id": "E1", "plan_type": "MEDICAL", "deduction_code": "MED",
              "share": "EMPLOYEE", "entry_type": "BLOCKED", "coverage_start": s, "coverage_end": e,
              "plan_year": 2026, "check_date": c, "amount": Decimal("120.00"), "recorded_at": SEEN}
             for i, (s, e, c) in enumerate(PERIODS)]
    moves.append({"entry_id": "P1", "employee_id": "E1", "plan_type": "MEDICAL", "deduction_code": "MED",
                  "share": "EMPLOYEE", "entry_type": "EMPLOYEE_PAYMENT", "coverage_start": PERIODS[0][0],
                  "coverage_end": PERIODS[0][1], "plan_year": 2026, "check_date": PERIODS[0][2],
                  "amount": Decimal("-50.00"), "recorded_at": SEEN})
    stage(store, "premium_ledger_entry", moves, ("entry_id",))
    store.dispose()

    result = CliRunner().invoke(app, ["premiums", "status", "E1", "--as-of", "2026-04-20", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["coverage_start"], r["due"], r["deducted"], r["recovered"], r["outstanding"], r["days_late"])
            for r in rows] == [("2026-03-02", "120.00", "0.00", "50.00", "70.00", 31),
                               ("2026-03-16", "120.00", "0.00", "0.00", "120.00", 17),
                               ("2026-03-30", "120.00", "0.00", "0.00", "120.00", 3)]
    table = CliRunner().invoke(app, ["premiums", "status", "--as-of", "2026-04-20"])
    assert table.exit_code == 0, table.output
    assert "30+ days late" in table.stdout and "2026-05-05" in table.stdout  # coverage may end 15 days on
    assert "Pay As You Go" not in table.stdout and "NTN-1" not in table.stdout
    none = CliRunner().invoke(app, ["premiums", "status", "E404", "--format", "json"])
    assert none.exit_code == 0 and json.loads(none.stdout) == []
