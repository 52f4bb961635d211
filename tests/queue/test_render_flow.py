"""Submit -> worker -> deliver on the real Redis, with a real (small) engine."""

from __future__ import annotations

import json
from pathlib import Path

from fake_engine import FakeEngine
from queue_helpers import RequestFactory, drain_deliveries, png_bytes, run_burst

from motionbot.queue import english
from motionbot.queue.client import RenderClient
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import EngineName, Queues, RenderFailure, RenderResult, Stage
from motionbot.queue.settings import QueueSettings
from motionbot.renderer.settings import RendererSettings


async def test_job_payload_is_json_not_pickle(client: RenderClient, make_request: RequestFactory) -> None:
    req = make_request()
    await client.submit(req)
    raw = await client.redis.get(f"arq:job:render:{req.task_id}")
    data = json.loads(raw)
    assert data["f"] == "render"
    assert data["a"][0]["task_id"] == req.task_id
    assert data["a"][0]["photo"]["key"] == req.photo.key


async def test_enqueue_render_deliver(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request()
    sub = await client.submit(req)
    assert (sub.queue, sub.position, sub.cached, sub.fallback_to_cpu) == (Queues.RENDER_CPU, 0, None, False)
    assert sub.eta_s is None  # no worker alive yet: honest "unknown"
    queued = await client.progress(req.task_id)
    assert queued is not None and queued.stage is Stage.QUEUED and queued.queue_position == 0

    engine = FakeEngine()
    settings = settings.model_copy(update={"thumbnails": True})
    await run_burst(settings, engine, renderer_settings)
    assert len(engine.renders) == 1

    deliveries = await drain_deliveries(settings)
    assert [d.task_id for d in deliveries] == [req.task_id]
    outcome = deliveries[0].outcome
    assert isinstance(outcome, RenderResult), outcome
    assert outcome.engine_version == "fake-1" and not outcome.cached
    assert (outcome.width, outcome.height) == (64, 48) and outcome.duration_s > 0
    out = await client.store.fetch(outcome.output, Path("/nonexistent"))
    assert out.read_bytes()[4:8] == b"ftyp"  # a real MP4 in the store
    assert deliveries[0].target == req.target
    assert outcome.thumbnail is not None and await client.store.exists(outcome.thumbnail)
    assert await client.outcome(req.task_id) == outcome
    done = await client.progress(req.task_id)
    assert done is not None and done.stage is Stage.DONE and done.percent == 100
    assert not list(settings.work_dir.iterdir())  # scratch space cleaned


async def test_cache_hit_skips_render(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    engine = FakeEngine()
    first = make_request()
    await client.submit(first)
    await run_burst(settings, engine, renderer_settings)
    (d1,) = await drain_deliveries(settings)
    assert isinstance(d1.outcome, RenderResult)

    # the client sees the worker's engine version and answers from the cache at once
    second = make_request()
    sub = await client.submit(second)
    assert sub.cached is not None and sub.cached.cached and sub.cached.task_id == second.task_id
    assert sub.cached.output == d1.outcome.output
    assert await client.redis.zcard(Queues.RENDER_CPU) == 0

    # a different motion is not a hit
    third = make_request(preset="clap")
    assert (await client.submit(third)).cached is None
    await run_burst(settings, engine, renderer_settings)
    assert len(engine.renders) == 2


async def test_worker_checks_cache_too(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    engine = FakeEngine()
    a, b = make_request(user="a"), make_request(user="b")
    await client.submit(a)
    await client.submit(b)  # queued before any result existed: the worker answers it from the cache
    await run_burst(settings, engine, renderer_settings)
    assert len(engine.renders) == 1
    outcomes = {d.task_id: d.outcome for d in await drain_deliveries(settings)}
    assert isinstance(outcomes[b.task_id], RenderResult)
    cached = [o for o in outcomes.values() if isinstance(o, RenderResult) and o.cached]
    assert len(cached) == 1


async def test_bad_input_fails_once_with_reason(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    not_a_photo = await client.store.put_bytes(b"GIF89a-not-really" * 10, suffix=".png")
    req = make_request(photo_ref=not_a_photo)
    await client.submit(req)
    engine = FakeEngine()
    await run_burst(settings, engine, renderer_settings)
    assert len(engine.renders) == 1  # not retried
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderFailure)
    assert d.outcome.reason in {FailureReason.NOT_AN_IMAGE, FailureReason.UNREADABLE_FILE}
    assert d.outcome.message is None  # a code, worded by the bot; English only for logs and the CLI
    assert (await client.progress(req.task_id)).stage is Stage.FAILED  # type: ignore[union-attr]
    # the user's slot is free again
    assert await client.limits.in_flight(req.target) == 0


async def test_unknown_preset_is_user_error(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request(preset="moonwalk-backwards")
    await client.submit(req)
    await run_burst(settings, FakeEngine(), renderer_settings)
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderFailure) and d.outcome.reason == FailureReason.UNKNOWN_MOTION
    assert d.outcome.message is None and "built-in motions" in english.failure(d.outcome.reason)


async def test_transient_fault_is_retried(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request()
    await client.submit(req)
    engine = FakeEngine(transient_failures=2)
    await run_burst(settings, engine, renderer_settings)
    assert len(engine.renders) == 3
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderResult)


async def test_transient_fault_gives_up_after_max_tries(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request()
    await client.submit(req)
    engine = FakeEngine(transient_failures=10)
    await run_burst(settings, engine, renderer_settings)
    assert len(engine.renders) == settings.render_max_tries
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderFailure) and d.outcome.reason == FailureReason.INTERNAL_ERROR


async def test_timeout_is_delivered_not_silent(
    client: RenderClient,
    redis_url: str,
    tmp_path: Path,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    from queue_helpers import fast_settings

    settings = fast_settings(redis_url, tmp_path, timeout_warp_s=0.5)
    req = make_request()
    await client.submit(req)
    await run_burst(settings, FakeEngine(frame_delay_s=0.2, frames=50), renderer_settings)
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderFailure) and d.outcome.reason == FailureReason.TIMED_OUT
    assert d.outcome.message is None and d.outcome.params["engine"] == "warp"
    assert "shorter" in english.failure(d.outcome.reason, d.outcome.params)
    assert await client.store.exists(req.photo)  # the input is untouched


async def test_same_task_submitted_twice_renders_once(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request()
    await client.submit(req)
    await client.submit(req)  # a retried bot handler
    engine = FakeEngine()
    await run_burst(settings, engine, renderer_settings)
    assert len(engine.renders) == 1
    assert len(await drain_deliveries(settings)) == 1


async def test_queue_position_and_eta(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    # one measured render gives the rate; later queued jobs get ETAs from it
    await client.submit(make_request(user="warm"))
    await run_burst(settings, FakeEngine(), renderer_settings)
    await drain_deliveries(settings)
    rate = await client.board.rate(EngineName.WARP)
    assert rate > 0
    await client.board.announce(Queues.RENDER_CPU, "w1", None, None)  # one worker alive
    subs = []
    for i in range(3):
        photo = await client.store.put_bytes(png_bytes(seed=i + 1), suffix=".png")
        subs.append(await client.submit(make_request(user=f"u{i}", photo_ref=photo)))
    assert [s.position for s in subs] == [0, 1, 2]
    etas = [s.eta_s for s in subs]
    assert all(e is not None for e in etas) and etas[0] < etas[1] < etas[2]  # type: ignore[operator]
    p = await client.progress(subs[2].task_id)
    assert p is not None and p.queue_position == 2 and p.eta_s == etas[2]


async def test_saved_motion_source(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
    tmp_path: Path,
) -> None:
    from motionbot.queue.jobs import MotionSource
    from motionbot.renderer.motion.presets import load_preset

    saved_path = tmp_path / "clap.json"
    load_preset("clap").save(saved_path)
    saved = await client.store.put_file(saved_path)
    by_saved = make_request(user="s").model_copy(update={"motion": MotionSource(kind="saved", saved=saved)})
    broken = await client.store.put_bytes(b'{"not": "a motion"}', suffix=".json")
    by_broken = make_request(user="b").model_copy(update={"motion": MotionSource(kind="saved", saved=broken)})
    for r in (by_saved, by_broken):
        await client.submit(r)
    engine = FakeEngine(frames=500)
    await run_burst(settings, engine, renderer_settings)
    outcomes = {d.task_id: d.outcome for d in await drain_deliveries(settings)}
    ok = outcomes[by_saved.task_id]
    assert isinstance(ok, RenderResult)
    assert ok.duration_s == load_preset("clap").n_frames / engine.fps  # the saved motion drove it
    bad = outcomes[by_broken.task_id]
    assert isinstance(bad, RenderFailure) and bad.reason == FailureReason.UNKNOWN_MOTION
    assert len(engine.renders) == 1  # the broken one failed before the engine, and only once


async def test_expired_media_fails_clearly(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    req = make_request()
    await client.submit(req)
    await client.store.delete(req.photo)  # cleaned up by retention before a worker got to it
    await run_burst(settings, FakeEngine(), renderer_settings)
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderFailure) and d.outcome.reason == FailureReason.MEDIA_EXPIRED
    assert "send them again" in english.failure(d.outcome.reason, d.outcome.params)


async def test_output_fitted_to_upload_limit(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    engine = FakeEngine(noise=True, size=(320, 240), frames=24)
    free = make_request(user="f")
    await client.submit(free)
    await run_burst(settings, engine, renderer_settings)
    (d,) = await drain_deliveries(settings)
    assert isinstance(d.outcome, RenderResult)
    budget = d.outcome.output.size // 2
    fits, too_small = make_request(user="a", max_bytes=budget), make_request(user="b", max_bytes=300)
    await client.submit(fits)
    await client.submit(too_small)
    await run_burst(settings, engine, renderer_settings)
    outcomes = {d.task_id: d.outcome for d in await drain_deliveries(settings)}
    ok = outcomes[fits.task_id]
    assert isinstance(ok, RenderResult), ok
    assert ok.output.size <= budget and any("limit" in w for w in ok.warnings)
    bad = outcomes[too_small.task_id]
    assert isinstance(bad, RenderFailure) and bad.reason == FailureReason.OUTPUT_TOO_LARGE
    assert len(engine.renders) == 3  # a size failure is final, not retried


async def test_unreadable_payload_is_reported_not_silent(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    payload = make_request().model_dump(mode="json")
    payload["version"] = 99
    payload["new_field_from_the_future"] = True  # a newer bot during a rolling deploy
    await client.redis.enqueue_job("render", payload, _job_id="render:future", _queue_name=Queues.RENDER_CPU)
    engine = FakeEngine()
    await run_burst(settings, engine, renderer_settings)
    assert engine.renders == []
    (d,) = await drain_deliveries(settings)
    assert d.task_id == payload["task_id"]
    assert isinstance(d.outcome, RenderFailure) and d.outcome.reason == FailureReason.INTERNAL_ERROR


async def test_rerun_after_outcome_was_recorded_resends_not_rerenders(
    client: RenderClient,
    settings: QueueSettings,
    renderer_settings: RendererSettings,
    make_request: RequestFactory,
) -> None:
    """A worker died after recording the outcome but before queueing the deliver job: the
    re-run sends that outcome (once) and does not render again."""
    req = make_request()
    await client.submit(req)
    recorded = RenderFailure(task_id=req.task_id, reason="timed_out", message="too slow, recorded earlier")
    assert await client.book.claim(req.task_id, recorded) is None
    engine = FakeEngine()
    await run_burst(settings, engine, renderer_settings)
    await run_burst(settings, engine, renderer_settings)
    assert engine.renders == []
    (d,) = await drain_deliveries(settings)
    assert d.outcome == recorded
    assert await client.limits.in_flight(req.target) == 0  # the slot the dead worker held is freed
