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


def test_a_request_the_rate_limit_refuses_is_timed_per_endpoint_too(app_config, fake_memvid, scripted_answerer):
    # The limiter answered before the exporter's clock started: 429s were counted in the
    # total but missing from the per-endpoint histogram that dashboards break down by status.
    from app.factory import create_app

    client = create_app(
        {**app_config, "rate_limit_per_minute": 1}, memvid=fake_memvid, llm=scripted_answerer
    ).test_client()
    statuses = [client.post("/api/v1/chat", json={"message": "hi", "stream": False}).status_code for _ in range(2)]

    text = client.get("/metrics").get_data(as_text=True)

    assert statuses == [200, 429]
    assert 'flask_http_request_duration_seconds_count{endpoint="chat.chat",method="POST",status="429"} 1.0' in text
