"""Connections from AIRFLOW_CONN_* (URI and JSON), the Airflow adapter, and secrets kept out of repr/errors."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.connections import Connection, connection_uri, env_var_name, from_airflow, get_connection
from schemas.errors import ConfigError

KEY_LINE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEklozmh1ZfyMJX4KzKPenTpn0+uBGDrYKChDHvlFSW8"
SECRET = "p@ss:w/rd%20?#"


def _env(value: str, conn_id: str = "harbor_leave_sftp") -> dict[str, str]:
    return {env_var_name(conn_id): value}


def test_env_var_name_is_airflows_uppercased_prefix():
    assert env_var_name("harbor_leave_sftp") == "AIRFLOW_CONN_HARBOR_LEAVE_SFTP"


def test_uri_parts_are_url_decoded_and_extras_come_from_the_query():
    uri = ("sftp://hub%40acme:p%40ss%3Aw%2Frd@sftp.harbor.example:2222/?host_key=ssh-ed25519%20AAAA%2B%2F"
           "&key_file=%2Fkeys%2Fharbor")
    conn = get_connection("harbor_leave_sftp", _env(uri))
    assert (conn.conn_id, conn.conn_type, conn.host, conn.port) == ("harbor_leave_sftp", "sftp",
                                                                     "sftp.harbor.example", 2222)
    assert (conn.login, conn.password, conn.schema) == ("hub@acme", "p@ss:w/rd", None)
    assert dict(conn.extra) == {"host_key": "ssh-ed25519 AAAA+/", "key_file": "/keys/harbor"}


def test_uri_with_extra_json_parameter_keeps_typed_extras():
    extra = {"host_key": KEY_LINE, "conn_timeout": 10, "nested": {"a": [1, 2]}}
    uri = f"sftp://hub@h/?__extra__={quote(json.dumps(extra))}"
    assert dict(get_connection("harbor_leave_sftp", _env(uri)).extra) == extra


def test_uri_schema_and_dashed_conn_type_are_normalised_like_airflow():
    conn = get_connection("x", _env("google-cloud-platform://h/my%20db", "x"))
    assert conn.conn_type == "google_cloud_platform" and conn.schema == "my db"
    assert get_connection("x", _env("postgresql://h", "x")).conn_type == "postgres"


def test_uri_with_protocol_prefixed_host_keeps_the_protocol():
    conn = get_connection("api", _env("http://https%3A%2F%2Fapi.example/", "api"))
    assert conn.host == "https://api.example"
    conn = get_connection("api", _env("http://https://api.example:8443/", "api"))
    assert conn.host == "https://api.example" and conn.port == 8443


def test_json_form_with_extra_as_object_or_as_text():
    value = {"conn_type": "sftp", "host": "h", "login": "hub", "password": SECRET, "port": "2222",
             "schema": "s", "extra": {"host_key": KEY_LINE}}
    conn = get_connection("harbor_leave_sftp", _env(json.dumps(value)))
    assert (conn.host, conn.port, conn.login, conn.password, conn.schema) == ("h", 2222, "hub", SECRET, "s")
    assert conn.extra["host_key"] == KEY_LINE
    value["extra"] = json.dumps({"key_file": "/k"})
    assert dict(get_connection("harbor_leave_sftp", _env(json.dumps(value))).extra) == {"key_file": "/k"}


def test_missing_connection_is_a_config_error_naming_the_variable():
    with pytest.raises(ConfigError, match="AIRFLOW_CONN_HARBOR_LEAVE_SFTP") as err:
        get_connection("harbor_leave_sftp", {"AIRFLOW_CONN_OTHER": f"sftp://u:{SECRET}@h"})
    assert SECRET not in str(err.value)


@pytest.mark.parametrize("value", [
    f"not a uri {SECRET}",
    f'{{"conn_type": "sftp", "password": "{SECRET}", ',
    f'{{"conn_type": "sftp", "password": "{SECRET}", "port": "twenty"}}',
    f"sftp://u:{SECRET}@h:99999/",
    f'{{"conn_type": "sftp", "pasword": "{SECRET}"}}',
    f"sftp://u:{SECRET}@h/?__extra__=[1,2]",
])
def test_malformed_values_are_config_errors_that_never_echo_the_value(value):
    with pytest.raises(ConfigError) as err:
        get_connection("harbor_leave_sftp", _env(value))
    text = str(err.value) + repr(err.value.__cause__) + repr(err.value.__context__ if err.value.__cause__ else "")
    assert SECRET not in text and "AIRFLOW_CONN_HARBOR_LEAVE_SFTP" in str(err.value)


def test_repr_and_str_hide_the_password_and_secret_extras():
    conn = Connection("c", "sftp", "h", 22, "hub", SECRET, None,
                      {"private_key": "-----BEGIN KEY-----", "private_key_passphrase": "pp-secret",
                       "client_secret": "cs-secret", "host_key": KEY_LINE})
    for text in (repr(conn), str(conn), f"{conn}", repr([conn])):
        assert SECRET not in text and "BEGIN KEY" not in text and "pp-secret" not in text
        assert "cs-secret" not in text and KEY_LINE in text and "hub" in text


def test_connection_is_frozen_including_its_extras():
    conn = Connection("c", "sftp", extra={"a": "b"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        conn.host = "evil"  # type: ignore[misc]
    with pytest.raises(TypeError):
        conn.extra["a"] = "evil"  # type: ignore[index]


def test_from_airflow_duck_types_extra_dejson_or_extra_text():
    airflow_like = SimpleNamespace(conn_id="harbor_leave_sftp", conn_type="sftp", host="h", port=22, login="hub",
                                   password=SECRET, schema="", extra_dejson={"host_key": KEY_LINE})
    conn = from_airflow(airflow_like)
    assert (conn.conn_id, conn.host, conn.port, conn.password, conn.schema) == ("harbor_leave_sftp", "h", 22,
                                                                                 SECRET, None)
    assert conn.extra["host_key"] == KEY_LINE
    text_only = SimpleNamespace(conn_id="x", conn_type="sftp", host="h", port=None, login=None, password=None,
                                schema=None, extra='{"key_file": "/k"}')
    assert dict(from_airflow(text_only).extra) == {"key_file": "/k"}
    with pytest.raises(ConfigError):
        from_airflow(SimpleNamespace(conn_id="x", conn_type="sftp", extra="{broken"))


def test_connection_uri_round_trips_through_get_connection():
    extra = {"host_key": f"{KEY_LINE}\n{KEY_LINE}", "key_file": "/tmp/k y"}
    uri = connection_uri("sftp", "127.0.0.1", port=2222, login="hub@acme", password=SECRET, extra=extra)
    conn = get_connection("c", _env(uri, "c"))
    assert (conn.host, conn.port, conn.login, conn.password, dict(conn.extra)) == ("127.0.0.1", 2222,
                                                                                    "hub@acme", SECRET, extra)


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(login=text, password=text, schema=st.none() | text,
       extra=st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), text, max_size=4),
       typed=st.booleans())
def test_any_connection_survives_the_uri_round_trip(login, password, schema, extra, typed):
    if typed:
        extra = {**extra, "n": 3}
    uri = connection_uri("sftp", "h.example", port=22, login=login, password=password, schema=schema,
                         extra=extra)
    conn = get_connection("c", _env(uri, "c"))
    assert (conn.login, conn.password, conn.schema or None, dict(conn.extra)) == (login, password, schema or None,
                                                                                  extra)
