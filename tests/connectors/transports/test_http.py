"""connectors.transports.http against the real Northwind simulator process (realpeer) and a fake adapter (unit).

The realpeer tests start ``python -m sandbox.hris_api`` on 127.0.0.1, switch its faults at run time and check
that every record arrives exactly once (by id) and that failures surface as the right class of the one tree.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil
import pydantic
import pytest
import requests

from connectors.transports.http import ApiClient, parse_retry_after
from connectors.transports.pagination import CursorPagination, OffsetPagination, PagePagination, parse_pagination
from connectors.transports.retry import RetryPolicy
from schemas.errors import ConfigError, FormatError, RejectedInput, TransientError

try:
    from tests.connectors.transports.hris_fixture import (
        CLIENT_SECRET,
        FAST_RETRY,
        client_for,
        running_simulator,
        write_dataset,
    )
except ImportError:  # rootdir-relative import when tests/ is not a package
    from hris_fixture import CLIENT_SECRET, FAST_RETRY, client_for, running_simulator, write_dataset

from sandbox.hris_api import HrisSimulator

UPDATE = {"worker_id": "W000001", "status": "on_leave", "leave_type": "FMLA", "paid": True,
          "effective_date": "2026-11-02", "expected_return_date": None, "source_case": "NTN-1"}


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    return tmp_path, write_dataset(tmp_path, workers=1234)


@pytest.fixture
def sim(dataset: tuple[Path, dict[str, list[str]]]) -> Iterator[HrisSimulator]:
    with running_simulator(dataset[0]) as server:
        yield server


@pytest.fixture
def worker_ids(dataset: tuple[Path, dict[str, list[str]]]) -> list[str]:
    return dataset[1]["workers"]


def pull_ids(api: ApiClient, *, page_size: int = 100, between_pages: Callable[[int], None] | None = None,
             **params: Any) -> list[str]:
    ids: list[str] = []
    pages = api.iter_pages("/v1/workers", params, CursorPagination(page_size=page_size))
    for n, page in enumerate(pages, start=1):
        ids += [w["id"] for w in page]
        if between_pages:
            between_pages(n)
    return ids


# -- pagination, streaming -------------------------------------------------------------------------------------

@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_cursor_pagination_fetches_every_worker_exactly_once_with_one_token(sim, worker_ids) -> None:
    with client_for(sim) as api:
        ids = pull_ids(api, page_size=100)
    assert sorted(ids) == sorted(worker_ids) and len(ids) == len(set(ids)) == 1234
    stats = sim.stats()
    assert stats["requests_workers"] == 13 and stats["token_requests"] == 1


@pytest.mark.realpeer
@pytest.mark.timeout(30)
@pytest.mark.parametrize("endpoint", ["hours_worked", "benefit_enrollments", "time_off_balances"])
def test_every_feed_endpoint_streams_each_record_once(sim, dataset, endpoint) -> None:
    with client_for(sim) as api:
        got = [json.dumps(r, sort_keys=True)
               for r in api.iter_records(f"/v1/{endpoint}", pagination=CursorPagination(page_size=70))]
    assert sorted(got) == sorted(dataset[1][endpoint])


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_updated_since_returns_only_workers_updated_since(sim) -> None:
    with client_for(sim) as api:
        records = list(api.iter_records("/v1/workers", {"updated_since": "2026-11-27T00:00:00Z"}))
    assert records and all(r["updated_at"] >= "2026-11-27" for r in records)
    assert len(records) == sum(1 for i in range(1, 1235) if 1 + i % 28 >= 27)


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_iter_pages_fetches_the_next_page_only_when_asked(sim) -> None:
    with client_for(sim) as api:
        pages = api.iter_pages("/v1/workers", pagination=CursorPagination(page_size=100))
        assert len(next(pages)) == 100
        assert sim.stats()["requests_workers"] == 1
        pages.close()


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_page_size_above_the_vendor_maximum_is_rejected_input(sim) -> None:
    with client_for(sim) as api, pytest.raises(RejectedInput) as err:
        pull_ids(api, page_size=501)
    assert err.value.http_status == 400


# -- rate limits, tokens ----------------------------------------------------------------------------------------

@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_429_storm_and_token_expiry_mid_run_keep_every_record_exactly_once(sim, worker_ids) -> None:
    def chaos(page: int) -> None:
        if page == 3:
            sim.set_faults(rate_limit_next=6, retry_after=0)
        if page == 6:
            sim.set_faults(expire_tokens=True)

    with client_for(sim) as api:
        ids = pull_ids(api, page_size=100, between_pages=chaos)
    assert sorted(ids) == sorted(worker_ids) and len(ids) == len(set(ids))
    stats = sim.stats()
    assert stats["status_429"] == 6 and stats["status_401"] == 1 and stats["tokens_issued"] == 2


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_real_rate_limit_of_10_per_second_is_ridden_out(dataset, worker_ids) -> None:
    with running_simulator(dataset[0], rate_limit=10) as sim, client_for(sim) as api:
        ids = pull_ids(api, page_size=50)  # 25 pages at 10 requests/s
        stats = sim.stats()
    assert sorted(ids) == sorted(worker_ids)
    assert stats["status_429"] >= 1 and stats["requests_workers"] == 25 + stats["status_429"]


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_retry_after_as_http_date_is_honoured(sim) -> None:
    sim.set_faults(rate_limit_next=1, retry_after=2, retry_after_format="date")
    started = time.monotonic()
    with client_for(sim) as api:
        api.get_json("/v1/workers", {"page_size": 1})
    assert time.monotonic() - started >= 0.9  # an HTTP date has 1 s resolution: 2 s ahead waits 1..2 s


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_retry_after_beyond_the_wait_budget_fails_fast_as_transient(sim) -> None:
    sim.set_faults(rate_limit_next=1, retry_after=60)
    started = time.monotonic()
    with client_for(sim, retry=RetryPolicy(budget=5)) as api, pytest.raises(TransientError) as err:
        api.get_json("/v1/workers")
    assert time.monotonic() - started < 2 and err.value.http_status == 429


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_token_is_cached_until_near_expiry_then_renewed_without_a_401(dataset) -> None:
    with running_simulator(dataset[0], token_ttl=2, faults={"unavailable_next": 1}) as sim, client_for(sim) as api:
        api.get_json("/v1/workers", {"page_size": 1})
        api.get_json("/v1/workers", {"page_size": 1})
        assert sim.stats()["tokens_issued"] == 1
        time.sleep(2.1)
        api.get_json("/v1/workers", {"page_size": 1})
        stats = sim.stats()
    assert stats["tokens_issued"] == 2 and "status_401" not in stats and stats["status_503"] == 1


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_wrong_credentials_raise_config_error_after_one_token_request(sim) -> None:
    api = ApiClient(sim.url, token_path="/oauth/token", client_id="leavehub-test", client_secret="wrong",
                    retry=FAST_RETRY)
    with api, pytest.raises(ConfigError) as err:
        api.get_json("/v1/workers")
    assert "rejected the client credentials" in str(err.value) and "wrong" not in str(err.value)
    assert sim.stats()["token_requests"] == 1


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_api_rejecting_a_fresh_token_refreshes_once_then_config_error(sim) -> None:
    sim.set_faults(unauthorized_next=10)
    with client_for(sim) as api, pytest.raises(ConfigError, match="freshly issued token"):
        api.get_json("/v1/workers")
    stats = sim.stats()
    assert stats["tokens_issued"] == 2 and stats["status_401"] == 2


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_single_401_is_survived_by_one_token_refresh(sim) -> None:
    with client_for(sim) as api:
        api.get_json("/v1/workers", {"page_size": 1})
        sim.set_faults(unauthorized_next=1)
        assert len(api.get_json("/v1/workers", {"page_size": 2})["data"]) == 2
    assert sim.stats()["tokens_issued"] == 2


# -- 5xx, timeouts, dropped connections -------------------------------------------------------------------------

@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_503s_are_retried_until_the_page_arrives(sim, worker_ids) -> None:
    sim.set_faults(unavailable_next=3)
    with client_for(sim) as api:
        ids = pull_ids(api, page_size=500)
    assert sorted(ids) == sorted(worker_ids) and sim.stats()["status_503"] == 3


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_persistent_503_stops_at_the_retry_bound_with_transient_error(sim) -> None:
    sim.set_faults(unavailable_next=100)
    policy = RetryPolicy(attempts=3, backoff_base=0.05, backoff_max=0.1)
    with client_for(sim, retry=policy) as api, pytest.raises(TransientError) as err:
        api.get_json("/v1/workers")
    assert err.value.http_status == 503 and "3 attempt" in str(err.value)
    assert sim.stats()["requests_workers"] == 3


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_slow_response_times_out_into_transient_error_within_bounded_time(sim) -> None:
    sim.set_faults(delay_seconds=5)
    policy = RetryPolicy(attempts=2, backoff_base=0.05, backoff_max=0.1)
    started = time.monotonic()
    with client_for(sim, retry=policy, timeout=(1, 0.5)) as api, pytest.raises(TransientError, match="timed out"):
        api.get_json("/v1/workers")
    assert time.monotonic() - started < 3


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_connection_dropped_mid_page_refetches_that_page_with_the_same_cursor(sim, worker_ids) -> None:
    def drop_next_page(page: int) -> None:
        if page == 2:
            sim.set_faults(drop_next=1)

    with client_for(sim) as api:
        ids = pull_ids(api, page_size=100, between_pages=drop_next_page)
    assert sorted(ids) == sorted(worker_ids) and len(ids) == len(set(ids))
    assert sim.stats()["dropped"] == 1


# -- write-back -------------------------------------------------------------------------------------------------

@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_same_idempotency_key_replays_the_first_response_and_applies_once(sim) -> None:
    with client_for(sim) as api:
        first = api.post_json("/v1/leave_status_updates", UPDATE, idempotency_key="k-1")
        again = api.post_json("/v1/leave_status_updates", UPDATE, idempotency_key="k-1")
    assert first.status == again.status == 201 and first.body == again.body
    assert not first.replayed and again.replayed
    assert sim.stats()["updates_applied"] == 1


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_answer_lost_after_apply_is_replayed_on_retry_not_applied_twice(sim) -> None:
    sim.set_faults(drop_next=1)
    with client_for(sim) as api:
        result = api.post_json("/v1/leave_status_updates", UPDATE, idempotency_key="k-lost")
    assert result.status == 201 and result.replayed
    stats = sim.stats()
    assert stats["updates_applied"] == 1 and stats["dropped"] == 1


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_newer_update_for_the_same_worker_and_date_is_a_409_conflict(sim) -> None:
    with client_for(sim) as api:
        api.post_json("/v1/leave_status_updates", UPDATE, idempotency_key="k-a")
        with pytest.raises(RejectedInput) as err:
            api.post_json("/v1/leave_status_updates", {**UPDATE, "paid": False}, idempotency_key="k-b")
    assert err.value.http_status == 409


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_invalid_update_is_rejected_input_naming_the_fields_422(sim) -> None:
    bad = {**UPDATE, "status": "vacationing", "effective_date": "11/02/2026"}
    with client_for(sim) as api, pytest.raises(RejectedInput) as err:
        api.post_json("/v1/leave_status_updates", bad, idempotency_key="k-bad")
    assert err.value.http_status == 422
    assert {e.field for e in err.value.errors} == {"status", "effective_date"}
    assert "vacationing" not in str(err.value) and "11/02/2026" not in str(err.value)


# -- the simulator itself ---------------------------------------------------------------------------------------

@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_simulator_listens_on_loopback_logs_no_query_values_and_leaves_no_process(dataset) -> None:
    with running_simulator(dataset[0]) as sim:
        pid = sim.proc.pid
        listening = [c.laddr.ip for c in psutil.Process(pid).net_connections() if c.status == psutil.CONN_LISTEN]
        with client_for(sim) as api:
            api.get_json("/v1/workers", {"updated_since": "2026-11-27T00:00:00Z", "page_size": 3})
        log = sim.log_text()
    assert listening == ["127.0.0.1"]
    assert "GET /v1/workers?updated_since=...&page_size=... 200" in log
    assert "2026-11-27" not in log and CLIENT_SECRET not in log
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@pytest.mark.realpeer
@pytest.mark.timeout(30)
def test_simulator_exits_when_its_parent_is_killed(dataset) -> None:
    code = ("import sys, time; from sandbox.hris_api import HrisSimulator\n"
            "s = HrisSimulator(sys.argv[1], client_id='a', client_secret='b', log_path=sys.argv[1] + '/k.log')\n"
            "s.start()\n"
            "print(s.proc.pid, flush=True); time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", code, str(dataset[0])], stdout=subprocess.PIPE, text=True)
    try:
        child = psutil.Process(int(parent.stdout.readline()))
        parent.kill()
        parent.wait(timeout=10)
        child.wait(timeout=10)  # raises TimeoutExpired if the simulator outlives its parent
    finally:
        parent.kill()
        parent.wait(timeout=10)
        parent.stdout.close()


# -- unit: a fake adapter as the transport -----------------------------------------------------------------------

class FakeVendor(requests.adapters.BaseAdapter):
    """Answers token requests and routes API requests to ``answer(request) -> (status, body, headers)``."""

    def __init__(self, answer: Callable[[requests.PreparedRequest], tuple[int, Any, dict[str, str]]]) -> None:
        super().__init__()
        self.answer, self.requests = answer, []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if request.path_url.startswith("/oauth/token"):
            status, body, headers = 200, {"access_token": "tok", "expires_in": 3600}, {}
        else:
            self.requests.append(request)
            status, body, headers = self.answer(request)
        resp = requests.Response()
        resp.status_code, resp.request, resp.url = status, request, request.url
        resp.headers.update(headers)
        resp._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return resp

    def close(self) -> None:
        pass


def fake_client(answer: Callable, **options: Any) -> tuple[ApiClient, FakeVendor]:
    vendor, session = FakeVendor(answer), requests.Session()
    session.mount("https://", vendor)
    api = ApiClient("https://vendor.example", token_path="/oauth/token", client_id="hub",
                    client_secret=CLIENT_SECRET, session=session, retry=FAST_RETRY, **options)
    return api, vendor


def query(request: requests.PreparedRequest) -> dict[str, str]:
    return dict(requests.utils.urlparse(request.url).query and
                [kv.split("=") for kv in requests.utils.urlparse(request.url).query.split("&")])


@pytest.mark.parametrize(("stop_on_short_page", "pages"), [(False, ["1", "2", "3", "4"]), (True, ["1", "2", "3"])])
def test_page_number_pagination_counts_pages_until_empty_or_short(stop_on_short_page, pages) -> None:
    rows = [{"id": i} for i in range(25)]

    def answer(req):
        page, size = int(query(req)["page"]), int(query(req)["per_page"])
        return 200, {"items": rows[(page - 1) * size: page * size]}, {}

    api, vendor = fake_client(answer)
    pg = PagePagination(records_path="items", size_param="per_page", page_size=10,
                        stop_on_short_page=stop_on_short_page)
    assert [r["id"] for r in api.iter_records("/v1/things", pagination=pg)] == list(range(25))
    assert [query(r)["page"] for r in vendor.requests] == pages


def test_offset_pagination_survives_a_vendor_that_caps_the_page_size() -> None:
    rows = [{"id": i} for i in range(12)]
    api, _ = fake_client(lambda req: (200, {"data": rows[int(query(req)["offset"]):][:5]}, {}))
    pg = OffsetPagination(size_param="limit", page_size=10)
    assert [r["id"] for r in api.iter_records("/v1/things", pagination=pg)] == list(range(12))


def test_offset_pagination_advances_by_the_records_received() -> None:
    rows = [{"id": i} for i in range(20)]

    def answer(req):
        offset, limit = int(query(req)["offset"]), int(query(req)["limit"])
        return 200, {"data": rows[offset: offset + limit]}, {}

    api, vendor = fake_client(answer)
    pg = OffsetPagination(size_param="limit", page_size=10)
    assert [r["id"] for r in api.iter_records("/v1/things", pagination=pg)] == list(range(20))
    assert [query(r)["offset"] for r in vendor.requests] == ["0", "10", "20"]


def test_pagination_style_is_a_closed_set() -> None:
    with pytest.raises(pydantic.ValidationError):
        parse_pagination({"type": "link_header", "page_size": 10})
    with pytest.raises(pydantic.ValidationError):
        parse_pagination({"type": "cursor", "page_size": 10, "cursor_parm": "c"})


def test_a_vendor_repeating_its_cursor_is_a_format_error_not_a_loop() -> None:
    api, _ = fake_client(lambda req: (200, {"data": [{"id": 1}], "next_cursor": "same"}, {}))
    with pytest.raises(FormatError, match="repeated a cursor"):
        list(api.iter_pages("/v1/workers"))


def test_client_errors_never_echo_the_body_the_query_or_the_secret() -> None:
    body = {"error": "bad ssn 123-45-6789 for Ana Diaz"}
    api, _ = fake_client(lambda req: (400, body, {}))
    with pytest.raises(RejectedInput) as err:
        api.get_json("/v1/workers", {"ssn": "123-45-6789"})
    text = str(err.value) + repr(err.value)
    assert "123-45-6789" not in text and "Diaz" not in text and CLIENT_SECRET not in text + repr(api)
    assert err.value.http_status == 400 and err.value.__cause__ is None


@pytest.mark.parametrize("status", [403, 404, 301])
def test_wrong_path_permissions_or_redirect_is_a_config_error(status: int) -> None:
    api, _ = fake_client(lambda req: (status, {}, {"Location": "https://elsewhere.example/"}))
    with pytest.raises(ConfigError):
        api.get_json("/v1/workerz")


def test_non_json_success_body_is_a_format_error() -> None:
    api, _ = fake_client(lambda req: (200, b"<html>maintenance</html>", {}))
    with pytest.raises(FormatError):
        api.get_json("/v1/workers")


def test_parse_retry_after_reads_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime
    now = datetime(2026, 11, 20, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Fri, 20 Nov 2026 08:00:05 GMT", now=now) == 5.0
    assert parse_retry_after("Fri, 20 Nov 2026 07:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_from_connection_maps_airflow_connection_fields_to_the_client() -> None:
    hook_style = SimpleNamespace(conn_id="northwind_hris", conn_type="http", host="api.northwind.example",
                                 port=8443, schema="https", login="hub", password=CLIENT_SECRET,
                                 extra={"token_path": "/auth/token", "read_timeout": "12"})
    api = ApiClient.from_connection(hook_style)
    assert api.base_url == "https://api.northwind.example:8443"
    assert api.token_url == "https://api.northwind.example:8443/auth/token" and api.timeout == (5.0, 12.0)
    uri_style = SimpleNamespace(conn_id="n", conn_type="https", host="api.northwind.example", port=None,
                                schema="hris", login="hub", password=CLIENT_SECRET, extra={})
    assert ApiClient.from_connection(uri_style).base_url == "https://api.northwind.example/hris"


def test_plain_http_to_a_remote_host_is_refused_as_config_error() -> None:
    with pytest.raises(ConfigError, match="plain http"):
        ApiClient("http://api.northwind.example", token_path="/oauth/token", client_id="hub",
                  client_secret=CLIENT_SECRET)


def test_records_path_is_a_dotted_key_into_the_page() -> None:
    rows = [{"id": i} for i in range(3)]
    api, _ = fake_client(lambda req: (200, {"result": {"items": rows}, "next": None}, {}))
    pg = CursorPagination(page_size=10, records_path="result.items", next_cursor_field="next")
    assert [r["id"] for r in api.iter_records("/v1/things", pagination=pg)] == [0, 1, 2]
    with pytest.raises(pydantic.ValidationError):
        CursorPagination(page_size=10, records_path="result..items")
