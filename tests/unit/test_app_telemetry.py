"""FastAPI's native OpenTelemetry asks the global providers on every request whether one has
been set: the app turns it off at start-up unless the process is set up for OpenTelemetry."""

from __future__ import annotations

import os

import pytest


def test_fastapi_telemetry_is_off_without_opentelemetry_settings(migrated, monkeypatch):
    from prefhub.app import create_app

    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    telemetry = create_app()._telemetry
    assert (telemetry["tracing"], telemetry["metrics"], telemetry["logs"]) == (False,) * 3


@pytest.mark.parametrize("setting", ["OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT"])
def test_an_opentelemetry_setting_keeps_fastapi_telemetry_on(setting, migrated, monkeypatch):
    from prefhub.app import create_app

    monkeypatch.setenv(setting, "prefhub")
    telemetry = create_app()._telemetry
    assert (telemetry["tracing"], telemetry["metrics"], telemetry["logs"]) == (True,) * 3
