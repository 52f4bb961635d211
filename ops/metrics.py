"""Prometheus metrics and the per-process ``/metrics`` + ``/healthz`` endpoint.

Every process (bot, each worker) serves both on ``MOTIONBOT_METRICS_PORT``: compose health
checks poll ``/healthz``, Prometheus scrapes ``/metrics``. The metric objects live on one
module-level registry (:mod:`motionbot.queue.counters`) so that any code path (worker,
delivery, cache) can count without passing it around; the server runs in a daemon thread so a busy event loop cannot stall a
scrape, and liveness is judged from a heartbeat the event loop itself must keep beating.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from motionbot.queue.counters import FAILURES, JOBS_RUNNING, JOBS_TOTAL, REGISTRY, RENDER_SECONDS
from motionbot.queue.jobs import DELIVER_QUEUES, Queues

log = logging.getLogger(__name__)

ALL_QUEUES: tuple[str, ...] = (Queues.RENDER_CPU, Queues.RENDER_GPU, Queues.INSPECT, *DELIVER_QUEUES)


class QueueDepthCollector(Collector):
    """Reads queue depth from Redis at scrape time (arq keeps each queue as a sorted set).

    Synchronous redis-py on purpose: scrapes are served from the metrics thread, never
    the event loop. A Redis outage makes the gauge disappear instead of failing the scrape.
    """

    def __init__(self, redis_url: str, queues: Iterable[str] = ALL_QUEUES, timeout_s: float = 2.0) -> None:
        import redis

        self.queues = tuple(queues)
        self._client = redis.Redis.from_url(
            redis_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return [GaugeMetricFamily("motionbot_queue_depth", "Jobs waiting in each queue.", labels=["queue"])]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("motionbot_queue_depth", "Jobs waiting in each queue.", labels=["queue"])
        try:
            pipe = self._client.pipeline(transaction=False)
            for queue in self.queues:
                pipe.zcard(queue)
            depths = pipe.execute()
        except Exception as exc:  # Redis down: report nothing rather than a stale or fake depth
            log.warning("queue depth unavailable: %s", exc)
            return
        for queue, depth in zip(self.queues, depths, strict=True):
            family.add_metric([queue], float(depth))
        yield family

    def close(self) -> None:
        self._client.close()


_depth_collector: QueueDepthCollector | None = None


def watch_queue_depth(redis_url: str, queues: Iterable[str] = ALL_QUEUES) -> QueueDepthCollector:
    """Export ``motionbot_queue_depth`` from this process (once; later calls return the first)."""
    global _depth_collector
    if _depth_collector is None:
        _depth_collector = QueueDepthCollector(redis_url, queues)
        REGISTRY.register(_depth_collector)
    return _depth_collector


@contextlib.contextmanager
def track_job(queue: str, *, engine: str | None = None) -> Iterator[dict[str, str]]:
    """Count a job as running for the block; the caller may set ``outcome``/``reason`` on the dict.

    On an exception the job counts as failed with reason ``internal_error`` unless the
    exception carries a ``reason`` (every MotionbotError does).
    """
    state: dict[str, str] = {"outcome": "done"}
    JOBS_RUNNING.labels(queue).inc()
    start = time.monotonic()
    try:
        yield state
    except BaseException as exc:
        state["outcome"] = "failed"
        reason = getattr(exc, "reason", None)
        state.setdefault("reason", str(getattr(reason, "value", reason) or "internal_error"))
        raise
    finally:
        JOBS_RUNNING.labels(queue).dec()
        JOBS_TOTAL.labels(queue, state["outcome"]).inc()
        if state["outcome"] == "failed":
            FAILURES.labels(queue, state.get("reason", "internal_error")).inc()
        elif engine is not None:
            RENDER_SECONDS.labels(engine).observe(time.monotonic() - start)


@dataclass
class Heartbeat:
    """Liveness: the process is alive while its event loop keeps beating."""

    stale_after_s: float = 60.0
    last: float = field(default_factory=time.monotonic)

    def beat(self) -> None:
        self.last = time.monotonic()

    @property
    def age_s(self) -> float:
        return time.monotonic() - self.last

    @property
    def alive(self) -> bool:
        return self.age_s <= self.stale_after_s

    async def run(self, interval_s: float = 5.0) -> None:
        """Beat from the event loop forever; a blocked loop stops the beats and fails /healthz."""
        while True:
            self.beat()
            await asyncio.sleep(interval_s)


HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]


class MetricsServer:
    """``/metrics`` and ``/healthz`` on a daemon thread; ``port=0`` picks a free port (tests)."""

    def __init__(
        self,
        service: str,
        *,
        host: str = "0.0.0.0",
        port: int = 9100,
        registry: CollectorRegistry = REGISTRY,
        heartbeat: Heartbeat | None = None,
        health: HealthCheck | None = None,
    ) -> None:
        self.service = service
        self.registry = registry
        self.heartbeat = heartbeat
        self.health = health
        self.started = time.time()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, CONTENT_TYPE_LATEST, generate_latest(server.registry))
                elif path in ("/healthz", "/health", "/"):
                    ok, body = server.liveness()
                    self._send(200 if ok else 503, "application/json", json.dumps(body).encode())
                else:
                    self._send(404, "text/plain", b"not found\n")

            def _send(self, code: int, ctype: str, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
                pass  # scrapes every few seconds would drown the logs

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="motionbot-metrics", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def liveness(self) -> tuple[bool, dict[str, Any]]:
        body: dict[str, Any] = {"service": self.service, "uptime_s": round(time.time() - self.started, 1)}
        ok = True
        if self.heartbeat is not None:
            body["loop_age_s"] = round(self.heartbeat.age_s, 2)
            ok = self.heartbeat.alive
        if self.health is not None:
            try:
                extra_ok, extra = self.health()
            except Exception as exc:
                extra_ok, extra = False, {"error": type(exc).__name__}
            ok = ok and extra_ok
            body.update(extra)
        # a failing extra check may say why in its own status ("warming up"); a passing one never overrides "ok"
        body["status"] = "ok" if ok else str(body.get("status") or "unhealthy")
        return ok, body

    def start(self) -> MetricsServer:
        self._thread.start()
        log.info("metrics and health endpoint on port %d", self.port)
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def serve(
    service: str,
    port: int,
    *,
    host: str = "0.0.0.0",
    heartbeat: Heartbeat | None = None,
    health: HealthCheck | None = None,
) -> MetricsServer | None:
    """Start the endpoint unless ``port`` is 0 (turned off); a busy port is logged, not fatal.

    Several processes on one host (``motionbot run``) share one MOTIONBOT_METRICS_PORT
    setting, so the launcher gives each child its own port; a clash must not stop a worker.
    """
    if port == 0:
        return None
    try:
        return MetricsServer(service, host=host, port=port, heartbeat=heartbeat, health=health).start()
    except OSError as exc:
        log.warning("metrics endpoint not started on port %d: %s", port, exc)
        return None
