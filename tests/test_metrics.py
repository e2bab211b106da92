"""GET /metrics and what it counts (app/telemetry/metrics.py)."""

from __future__ import annotations


def test_metrics_exposition(client):
    client.post("/api/v1/chat", json={"message": "hi"}).get_data()

    text = client.get("/metrics").get_data(as_text=True)

    assert 'chat_streams_total{outcome="completed"}' in text
    assert "flask_http_request_total" in text
    assert "chat_stream_duration_seconds_bucket" in text


def test_made_up_methods_get_their_405_but_no_metric_series_of_their_own(client):
    statuses = [client.open("/api/v1/health", method=f"XMADEUP{i}").status_code for i in range(3)]
    client.delete("/api/v1/health")

    text = client.get("/metrics").get_data(as_text=True)

    assert statuses == [405, 405, 405]
    assert "XMADEUP" not in text  # each would have been a new label value, without bound
    assert 'method="DELETE"' in text  # a method HTTP defines is still counted
