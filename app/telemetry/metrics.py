"""The service's own Prometheus metrics.

Metric objects are module-level because prometheus_client refuses to register one name
twice in a process (every `create_app` in the tests would). They are created unregistered
and added to each app's registry by `register_service_metrics`. Labels are bounded sets:
never a session id, a trace id or a raw path.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set (gunicorn.conf.py): prometheus_client then
keeps every value in a per-process file, and /metrics adds up the files of all workers.
That directory must exist before this module is imported (`metrics_dir.ensure_exists`,
called by wsgi.py): prometheus_client opens its files there as each metric is defined.
"""

from __future__ import annotations

from flask import Flask, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

from app.worker import metrics_dir

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

CHAT_STREAMS = Counter(
    "chat_streams_total",
    "Chat answers by outcome (completed, client_disconnected, server_shutdown or an llm_* code).",
    ["outcome"],
    registry=None,
)
TIME_TO_FIRST_TOKEN = Histogram(
    "chat_time_to_first_token_seconds",
    "Time from the request to the first answer token sent.",
    buckets=_LATENCY_BUCKETS,
    registry=None,
)
STREAM_DURATION = Histogram(
    "chat_stream_duration_seconds",
    "Whole duration of a chat answer, timed in the stream generator.",
    buckets=(*_LATENCY_BUCKETS, 60, 120),
    registry=None,
)
ACTIVE_STREAMS = Gauge("chat_active_streams", "Chat streams open now.", registry=None, multiprocess_mode="livesum")
LLM_TOKENS = Counter("llm_tokens_total", "Tokens reported by the LLM.", ["kind"], registry=None)
LLM_COST = Counter("llm_cost_total", "Cost reported by the LLM, in its currency (credits).", registry=None)
LLM_REQUESTS = Counter(
    "llm_requests_total", "LLM HTTP requests by upstream status or failure.", ["status"], registry=None
)
LLM_MALFORMED_LINES = Counter(
    "llm_malformed_lines_total", "Unparseable data lines in LLM streams (each ends its answer).", registry=None
)
MEMVID_CALLS = Histogram(
    "memvid_call_duration_seconds",
    "memvid calls by method and outcome.",
    ["method", "status"],
    buckets=_LATENCY_BUCKETS,
    registry=None,
)
RATE_LIMITED = Counter("rate_limit_rejections_total", "Requests rejected by the rate limit.", registry=None)
# Each worker holds its own sessions (memory store): live workers' counts add up. With Redis
# the sessions are the fleet's, not a worker's: the gauge stays 0 (the cache CLI counts them).
LIVE_SESSIONS = Gauge("chat_sessions_live", "Chat sessions held now.", registry=None, multiprocess_mode="livesum")
CACHE_LOOKUPS = Counter("cache_lookups_total", "Cache lookups by cache and result.", ["cache", "result"], registry=None)
# reason: "evicted" (the cache was full) or "expired" (its TTL passed, counted when the entry is dropped).
CACHE_REMOVALS = Counter(
    "cache_removals_total", "Cache entries removed by cache and reason.", ["cache", "reason"], registry=None
)
# method: a method of the MCP specification or "other"; outcome: "ok", "tool_error" or an error name.
MCP_REQUESTS = Counter(
    "mcp_requests_total", "MCP requests by method and outcome.", ["method", "outcome"], registry=None
)
MCP_DURATION = Histogram(
    "mcp_request_duration_seconds", "MCP requests by method.", ["method"], buckets=_LATENCY_BUCKETS, registry=None
)
FEEDBACK = Counter("chat_feedback_total", "Recruiters' ratings of answers.", ["rating"], registry=None)
GUARDRAIL_BLOCKS = Counter(
    "guardrail_blocks_total",
    "Inputs the prompt-injection guard blocked, by surface (chat, fit) and attack category.",
    ["surface", "category"],
    registry=None,
)
GUARDRAIL_WITHHELD = Counter(
    "guardrail_output_withheld_total", "Answers cut short because they repeated protected text.", registry=None
)
FIT_ASSESSMENTS = Counter(
    "fit_assessments_total",
    "Job-fit assessments by outcome: assessed, offline, blocked, withheld or an llm_* code.",
    ["outcome"],
    registry=None,
)
# A separate counter, so that fit_assessments_total's outcomes add up to the assessments made.
FIT_REPAIRS = Counter(
    "fit_json_repairs_total", "Job-fit assessments whose LLM JSON needed the one repair request.", registry=None
)

_ALL = (
    CHAT_STREAMS,
    TIME_TO_FIRST_TOKEN,
    STREAM_DURATION,
    ACTIVE_STREAMS,
    LLM_TOKENS,
    LLM_COST,
    LLM_REQUESTS,
    LLM_MALFORMED_LINES,
    MEMVID_CALLS,
    RATE_LIMITED,
    LIVE_SESSIONS,
    CACHE_LOOKUPS,
    CACHE_REMOVALS,
    MCP_REQUESTS,
    MCP_DURATION,
    FEEDBACK,
    GUARDRAIL_BLOCKS,
    GUARDRAIL_WITHHELD,
    FIT_ASSESSMENTS,
    FIT_REPAIRS,
)


def register_service_metrics(registry: CollectorRegistry) -> None:
    """Add every service metric to `registry` (one registry per app)."""
    for metric in _ALL:
        registry.register(metric)


# The methods the exporter labels its HTTP metrics with; any other is left out of them.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _untracked_unless_known_method() -> None:
    # Each new method a client makes up ("XA9771D750") was a new label value, ~18 series each:
    # 2,000 requests grew /metrics from 42 KB to 4 MB. They still get their 405 and access log line.
    if request.method not in KNOWN_METHODS:
        request.prom_do_not_track = True  # type: ignore[attr-defined]  # read by the exporter


def init_app(app: Flask) -> PrometheusMetrics:
    """Serve /metrics for `app`: the exporter's HTTP metrics plus the service's own."""
    # group_by endpoint keeps the label set bounded (a raw path would be any URL a client sends).
    app.before_request(_untracked_unless_known_method)
    if metrics_dir.configured():
        # Under gunicorn: a scrape, served by any worker, adds up every worker's files, the
        # service metrics included. The exporter's own registry must stay apart: one that
        # holds the service metrics would clash with the file collector's names.
        metrics = GunicornInternalPrometheusMetrics.for_app_factory(group_by="endpoint")
        metrics.init_app(app)
        return metrics
    registry = CollectorRegistry(auto_describe=True)
    register_service_metrics(registry)
    return PrometheusMetrics(app, registry=registry, group_by="endpoint", path="/metrics")
