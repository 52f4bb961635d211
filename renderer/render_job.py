"""One render job in a worker: the failure policy and the exactly-once effects.

arq runs a job at least once (a killed worker's job runs again), so everything a user sees
goes through the task's outcome claim (:class:`~motionbot.queue.tasks.TaskBook`): the first
run to claim it sends the one deliver job (id ``deliver:<task_id>``), frees the user's slot
and fills the result cache; a later run finds the claim and only re-sends that same deliver
job, which arq dedupes.

Failure policy:
* bad input (``reason.is_user_error``) and permanent service faults (model missing, media
  expired) fail at once, never retried;
* transient faults (Redis blip, I/O, anything unexpected) ``Retry`` with doubling backoff up to
  ``render_max_tries``; a worker killed mid-render re-runs the job once its in-progress key
  lapses (we refresh that key every ``heartbeat_s``, so that is seconds, not the arq timeout);
* a job slower than the engine's timeout is stopped by our own timeout (shorter than arq's,
  whose timeouts are final and silent) and delivered as TIMED_OUT;
* GPU out of memory hands the task to the CPU queue when the user allowed a preview,
  with a warning in the result, else fails with GPU_OUT_OF_MEMORY.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import uuid
from typing import Any, Literal

from arq.constants import in_progress_key_prefix
from arq.worker import Retry
from redis.exceptions import RedisError

from motionbot.ops.instrument import record_outcome
from motionbot.queue.delivery import enqueue_deliver
from motionbot.queue.errors import FailureReason, MotionbotError
from motionbot.queue.jobs import (
    DeliverJob,
    EngineName,
    Progress,
    RenderFailure,
    RenderRequest,
    RenderResult,
    Stage,
)
from motionbot.queue.tasks import CANCELLED, Claimed, render_job_id
from motionbot.renderer.errors import RenderCancelled, RendererError
from motionbot.renderer.render_steps import RenderSteps
from motionbot.renderer.worker_state import WorkerState

log = logging.getLogger(__name__)

# service faults that retrying the same job cannot fix
PERMANENT = frozenset(
    {
        FailureReason.MODEL_MISSING,
        FailureReason.ENGINE_UNAVAILABLE,
        FailureReason.MEDIA_EXPIRED,
        FailureReason.OUTPUT_TOO_LARGE,
        FailureReason.CANCELLED,
        FailureReason.TIMED_OUT,
    }
)
HandedOver = Literal["handed_over"]
HANDED_OVER: HandedOver = "handed_over"


class RenderRun:
    def __init__(self, state: WorkerState, ctx: dict[str, Any], request: RenderRequest) -> None:
        self.state = state
        self.ctx = ctx
        self.req = request
        self.redis = ctx["redis"]
        self.job_try: int = int(ctx.get("job_try", 1))
        self.job_id: str = str(ctx.get("job_id", render_job_id(request.task_id)))
        self.work = state.settings.work_dir / f"{request.task_id}-{uuid.uuid4().hex[:8]}"  # per run
        self.started = time.monotonic()
        self.steps = RenderSteps(state, request, self.work)

    @property
    def task_id(self) -> str:
        return self.req.task_id

    async def run(self) -> dict[str, Any]:
        prior = await self.state.book.outcome(self.task_id)
        if prior is not None:  # a re-run of a task that already has its outcome: re-send, never redo
            return await self._effects(prior, won=False)
        if self.job_try > self.state.settings.render_max_tries:
            return await self._finish(
                self._failure(RendererError(FailureReason.INTERNAL_ERROR, params={"case": "retries"}))
            )
        keeper = asyncio.create_task(self._keep())
        try:
            outcome = await self._attempt()
        finally:
            keeper.cancel()
            if self.steps.reporter is not None:
                await self.steps.reporter.close()
            shutil.rmtree(self.work, ignore_errors=True)
        if outcome is None:
            return {"status": CANCELLED}
        if outcome == HANDED_OVER:
            return {"status": HANDED_OVER}
        return await self._finish(outcome)

    # --- the attempt and its failure policy ---
    async def _attempt(self) -> RenderResult | RenderFailure | HandedOver | None:
        engine = self.state.engine
        assert engine is not None
        try:
            if EngineName(engine.name) is not self.req.options.engine:
                return self._failure(
                    RendererError(
                        FailureReason.ENGINE_UNAVAILABLE,
                        detail=f"{engine.name} worker got a {self.req.options.engine} job",
                    )
                )
            hit = await self.steps.from_cache(engine)
            if hit is not None:
                return hit
            timeout = self.state.timeout_for(self.req.options.engine)
            try:
                return await asyncio.wait_for(self.steps.render(engine), timeout)
            except TimeoutError:
                log.warning("task %s timed out after %.0f s", self.task_id, timeout)
                return self._failure(
                    RendererError(
                        FailureReason.TIMED_OUT, params={"seconds": round(timeout), "engine": engine.name}
                    )
                )
        except RenderCancelled:
            if await self.state.book.is_cancelled(self.task_id):
                log.info("task %s cancelled while rendering", self.task_id)
                return None
            return self._failure(RendererError(FailureReason.CANCELLED))
        except MotionbotError as exc:
            if exc.reason.is_user_error or exc.reason in PERMANENT:
                return self._failure(exc)
            if exc.reason is FailureReason.GPU_OUT_OF_MEMORY:
                return await self._after_oom(exc)
            return self._retry_or_fail(exc)
        except (RedisError, OSError) as exc:
            return self._retry_or_fail(exc)
        except Exception as exc:  # unexpected: may be transient (a flaky driver), retry a few times
            log.exception("task %s: unexpected error", self.task_id)
            return self._retry_or_fail(exc)

    def _retry_or_fail(self, exc: BaseException) -> RenderFailure:
        if self.job_try < self.state.settings.render_max_tries:
            defer = self.state.settings.retry_backoff_s * 2 ** (self.job_try - 1)
            log.warning(
                "task %s try %d failed (%s); retrying in %.1f s", self.task_id, self.job_try, exc, defer
            )
            raise Retry(defer=defer) from exc
        if isinstance(exc, MotionbotError) and exc.reason is FailureReason.STORAGE_FULL:
            return self._failure(exc)  # say so plainly
        return self._failure(
            RendererError(FailureReason.INTERNAL_ERROR, detail=f"{type(exc).__name__}: {exc}")
        )

    async def _after_oom(self, exc: MotionbotError) -> RenderFailure | HandedOver:
        opts = self.req.options
        if opts.engine is not EngineName.DIFFUSION or not opts.allow_cpu_fallback:
            return self._failure(exc)
        await self.state.book.hand_to_cpu(self.req)
        await self.state.board.publish(Progress(task_id=self.task_id, stage=Stage.QUEUED, percent=0))
        log.warning("task %s: GPU out of memory, handed to the CPU queue", self.task_id)
        return HANDED_OVER

    def _failure(self, error: MotionbotError) -> RenderFailure:
        """The task's outcome from ``error``: its reason and figures travel, never its sentence
        (the bot words them in its user's language; ``error.message`` is for this log)."""
        detail = f" ({error.detail})" if error.detail else ""
        log.info("task %s failed, %s: %s%s", self.task_id, error.reason.value, error.message, detail)
        return RenderFailure(
            task_id=self.task_id,
            reason=error.reason.value,
            params=error.params,
            engine=self.req.options.engine,
        )

    # --- keeping the job alive and listening for cancel ---
    async def _keep(self) -> None:
        s = self.state.settings
        key = in_progress_key_prefix + self.job_id
        ttl_ms = int(3 * s.heartbeat_s * 1000)
        last_beat = 0.0
        while True:
            try:
                now = time.monotonic()
                if now - last_beat >= s.heartbeat_s:
                    await self.redis.pexpire(key, ttl_ms)
                    last_beat = now
                reporter = self.steps.reporter
                if reporter is not None and await self.state.book.is_cancelled(self.task_id):
                    reporter.cancel.set()
            except RedisError as exc:  # a blip: the render goes on, the next beat may land
                log.warning("task %s keeper: %s", self.task_id, exc)
            await asyncio.sleep(min(0.25, s.heartbeat_s / 2))

    # --- the outcome ---
    async def _finish(self, outcome: RenderResult | RenderFailure) -> dict[str, Any]:
        prior = await self.state.book.claim(self.task_id, outcome)
        if prior is None:
            return await self._effects(outcome, won=True)
        if prior == CANCELLED and isinstance(outcome, RenderResult) and not outcome.cached:
            # cancelled (or the user's data forgotten) as the render ended: nobody will fetch
            # the files just stored, and a forgotten user's result must not stay behind
            for ref in (outcome.output, outcome.thumbnail, *outcome.extras.values()):
                if ref is not None:
                    await self.state.store.delete(ref)
        return await self._effects(prior, won=False)

    async def _effects(self, outcome: Claimed, *, won: bool) -> dict[str, Any]:
        s = self.state
        if outcome == CANCELLED:
            return {"status": CANCELLED}
        assert not isinstance(outcome, str)
        rec = await s.book.get(self.task_id)
        if won:
            if isinstance(outcome, RenderResult):
                if not outcome.cached:
                    engine = s.engine
                    assert engine is not None
                    await s.book.remember(self.req, engine.version, outcome, s.settings.result_cache_ttl_s)
                    wall = time.monotonic() - self.started
                    await s.board.record_rate(outcome.engine, wall, outcome.duration_s)
                stage, pct = Stage.DONE, 100.0
            else:
                stage, pct = Stage.FAILED, self.steps.reporter.percent if self.steps.reporter else 0.0
            await s.board.publish(Progress(task_id=self.task_id, stage=stage, percent=pct, eta_s=0.0))
            await record_outcome(
                self.redis,
                outcome,
                queue=self.req.options.engine.queue,
                wall_s=time.monotonic() - self.started,
            )
        if rec is not None:  # idempotent: a re-run after a crash frees a slot that may still be held
            refund = isinstance(outcome, RenderFailure) and not FailureReason(outcome.reason).is_user_error
            refund_key = rec.quota_key if refund and won else None
            await s.limits.release(rec.user_slot, self.task_id, refund_quota=refund_key)
        deliver = DeliverJob(task_id=self.task_id, target=self.req.target, outcome=outcome)
        await enqueue_deliver(self.redis, deliver)
        return outcome.model_dump(mode="json")
