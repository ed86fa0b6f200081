"""PII at rest: AES-256-GCM + HMAC, never plaintext in the database, decrypted only on request."""

from __future__ import annotations

import base64
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from store_builders import TEST_KEY, arrival, stamp

from leavehub.store import PiiCipher, Store, SupersedeRule
from leavehub.store.pii import PiiDecryptError, generate_key
from schemas.errors import ConfigError

MARKER_SSN = "987650432"
MARKER_NAME = "Zebediahmarker"


def employees() -> pd.DataFrame:
    table = pa.table({
        "record_key": ["W1"], "_row": pa.array([1], pa.int64()), "employee_id": ["W1"],
        "ssn": [MARKER_SSN], "last_name": [MARKER_NAME], "birth_date": pa.array([date(1980, 4, 5)], pa.date32()),
        "updated_at": pa.array([stamp(1)], pa.timestamp("us", tz="UTC")),
    })
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def load(store: Store) -> None:
    with store.intake(arrival("census", vendor="acme_hris", feed="workers")) as intake:
        intake.stage("employee", employees(), SupersedeRule.UPDATED_AT)


def test_a_missing_key_is_a_config_error_outside_the_sandbox() -> None:
    with pytest.raises(ConfigError, match="LEAVEHUB_PII_KEY"):
        PiiCipher.from_environment({})
    with pytest.raises(ConfigError, match="base64"):
        PiiCipher.from_environment({"LEAVEHUB_PII_KEY": "not base64!"})
    with pytest.raises(ConfigError, match="32 bytes"):
        PiiCipher.from_environment({"LEAVEHUB_PII_KEY": base64.b64encode(b"short").decode()})


def test_the_sandbox_gets_a_fixed_dev_key_only_when_it_says_it_is_the_sandbox() -> None:
    one = PiiCipher.from_environment({"LEAVEHUB_ENV": "sandbox"})
    two = PiiCipher.from_environment({"LEAVEHUB_ENV": "sandbox"})
    assert one.match_hash("123456789", kind="ssn") == two.match_hash("123456789", kind="ssn")
    with pytest.raises(ConfigError):
        PiiCipher.from_environment({"LEAVEHUB_ENV": "production"})


def test_ciphertext_is_bound_to_its_column_and_to_the_key() -> None:
    token = TEST_KEY.encrypt(MARKER_SSN, column="employee.ssn")
    assert TEST_KEY.decrypt(token, column="employee.ssn") == MARKER_SSN
    with pytest.raises(PiiDecryptError) as caught:
        TEST_KEY.decrypt(token, column="employee.last_name")
    assert MARKER_SSN not in str(caught.value)
    other = PiiCipher.from_environment({"LEAVEHUB_PII_KEY": generate_key()})
    with pytest.raises(PiiDecryptError):
        other.decrypt(token, column="employee.ssn")
    assert TEST_KEY.encrypt(MARKER_SSN, column="c") != TEST_KEY.encrypt(MARKER_SSN, column="c")


def test_the_match_hash_is_keyed_and_ignores_formatting() -> None:
    assert TEST_KEY.match_hash("987-65-0432", kind="ssn") == TEST_KEY.match_hash(MARKER_SSN, kind="ssn")
    other = PiiCipher.from_environment({"LEAVEHUB_PII_KEY": generate_key()})
    assert other.match_hash(MARKER_SSN, kind="ssn") != TEST_KEY.match_hash(MARKER_SSN, kind="ssn")


def test_the_sqlite_file_never_holds_plaintext_pii(sqlite_store: Store) -> None:
    load(sqlite_store)
    sqlite_store.dispose()  # checkpoint the WAL into the file
    database = Path(make_url(str(sqlite_store.engine.url)).database or "")
    raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    assert MARKER_SSN.encode() not in raw and MARKER_NAME.encode() not in raw
    assert b"1980-04-05" not in raw


@pytest.mark.postgres
def test_the_postgres_table_never_holds_plaintext_pii(postgres_store: Store) -> None:
    load(postgres_store)
    with postgres_store.engine.connect() as connection:
        dump = connection.execute(text("SELECT string_agg(t::text, '|') FROM employee_versions t")).scalar_one()
        ledger = connection.execute(text("SELECT string_agg(t::text, '|') FROM file_ledger t")).scalar_one()
    assert MARKER_SSN not in dump and MARKER_NAME not in dump and "1980-04-05" not in dump
    assert MARKER_SSN not in ledger


def test_pii_comes_back_as_hashes_unless_decryption_is_asked_for(store: Store) -> None:
    load(store)
    hashed = store.current("employee")
    assert "ssn" not in hashed.columns
    assert hashed["ssn_hash"].iloc[0] == TEST_KEY.match_hash(MARKER_SSN, kind="ssn")
    plain = store.current("employee", decrypt_pii=True)
    assert (plain["ssn"].iloc[0], plain["last_name"].iloc[0]) == (MARKER_SSN, MARKER_NAME)
    assert plain["birth_date"].iloc[0] == date(1980, 4, 5)


def test_reloading_the_same_person_is_a_no_op_despite_fresh_nonces(store: Store) -> None:
    load(store)
    with store.intake(arrival("census-again", vendor="acme_hris", feed="workers")) as intake:
        intake.stage("employee", employees(), SupersedeRule.FILE_DATE)
    assert intake.applied == 0


def test_sealing_100k_ssns_takes_seconds_not_minutes() -> None:
    ssns = [f"{i:09d}" for i in range(100_000)]
    started = time.perf_counter()
    sealed, digests = TEST_KEY.seal_column(ssns, column="employee.ssn", kind="ssn")
    elapsed = time.perf_counter() - started
    print(f"\nPII: sealed 100k SSNs (AES-GCM + HMAC) in {elapsed:.2f}s")
    assert len(sealed) == len(set(digests)) == 100_000
    assert elapsed < 30
