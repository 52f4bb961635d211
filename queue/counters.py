"""The Prometheus metrics every process counts into, on one module-level registry.

Part of the contract: the queue client and the deliver worker count submissions, cache hits
and deliveries here, the renderer counts renders, and :mod:`motionbot.ops.metrics` serves the
registry on ``/metrics``. The names are what dashboards and alerts read.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

JOBS_RUNNING = Gauge(
    "motionbot_jobs_running", "Jobs this process is working on now.", ["queue"], registry=REGISTRY
)
JOBS_TOTAL = Counter(
    "motionbot_jobs_total",
    "Jobs finished by this process, by outcome.",
    ["queue", "outcome"],
    registry=REGISTRY,
)
RENDER_SECONDS = Histogram(
    "motionbot_render_duration_seconds",
    "Wall time of a render job from start to encoded output.",
    ["engine"],
    buckets=(1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600),
    registry=REGISTRY,
)
FAILURES = Counter(
    "motionbot_failures_total", "Failed jobs by FailureReason.", ["queue", "reason"], registry=REGISTRY
)
DELIVERIES = Counter(
    "motionbot_deliveries_total", "Results delivered to chats.", ["platform", "outcome"], registry=REGISTRY
)
CACHE_HITS = Counter(
    "motionbot_cache_hits_total", "Cache lookups that found an entry.", ["cache"], registry=REGISTRY
)
CACHE_MISSES = Counter(
    "motionbot_cache_misses_total", "Cache lookups that found nothing.", ["cache"], registry=REGISTRY
)
SUBMITTED = Counter(
    "motionbot_jobs_submitted_total", "Jobs enqueued by this process.", ["queue"], registry=REGISTRY
)
RETENTION_DELETED = Counter(
    "motionbot_retention_deleted_total", "Files removed by the retention job.", ["area"], registry=REGISTRY
)
