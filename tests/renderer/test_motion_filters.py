"""One Euro smoothing and gap filling on synthetic tracks."""

from __future__ import annotations

import numpy as np

from motionbot.renderer.motion.filters import fill_gaps, one_euro, one_euro_zero_lag


def test_one_euro_removes_jitter_from_a_still_joint() -> None:
    rng = np.random.default_rng(0)
    noisy = (0.5 + rng.normal(0, 0.004, size=(120, 2))).astype(np.float32)
    smooth = one_euro(noisy, 30.0, min_cutoff=1.2, beta=4.0)
    assert np.std(np.diff(smooth[30:], axis=0)) < 0.3 * np.std(np.diff(noisy[30:], axis=0))


def test_one_euro_follows_a_fast_move_with_little_lag() -> None:
    t = np.arange(60, dtype=np.float32) / 30.0
    ramp = np.minimum(t * 2.0, 1.0)[:, None].astype(np.float32)  # 2 frame-widths per second
    smooth = one_euro(ramp, 30.0, min_cutoff=1.2, beta=4.0)
    assert np.abs(smooth - ramp).max() < 0.06
    assert abs(float(smooth[-1, 0]) - 1.0) < 0.01


def test_one_euro_keeps_short_input() -> None:
    one = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_array_equal(one_euro(one, 30.0), one)


def test_fill_gaps_interpolates_short_and_holds_long_gaps() -> None:
    values = np.arange(20, dtype=np.float32)[:, None]
    present = np.ones(20, dtype=bool)
    present[[0, 1]] = False  # leading gap: held from the first good frame
    present[5:8] = False  # short: interpolated
    present[10:18] = False  # long: held
    filled, interpolated = fill_gaps(values, present, max_gap=4)
    assert filled[0, 0] == 2.0 and filled[1, 0] == 2.0
    np.testing.assert_allclose(filled[5:8, 0], [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(filled[10:18, 0], np.full(8, 9.0))
    assert interpolated[5:8].all() and not interpolated[10:18].any()


def test_fill_gaps_with_nothing_present_returns_input() -> None:
    values = np.zeros((5, 2), dtype=np.float32)
    filled, interpolated = fill_gaps(values, np.zeros(5, dtype=bool), max_gap=3)
    assert not interpolated.any()
    np.testing.assert_array_equal(filled, values)


def test_zero_lag_variant_does_not_delay_a_sine() -> None:
    t = np.arange(90, dtype=np.float32) / 30.0
    wave = (0.1 * np.sin(2 * np.pi * t))[:, None].astype(np.float32)
    causal = one_euro(wave, 30.0, min_cutoff=1.2, beta=4.0)
    offline = one_euro_zero_lag(wave, 30.0, min_cutoff=1.2, beta=4.0)

    def lag(x: np.ndarray) -> int:
        core = slice(15, 75)
        return min(
            range(-5, 6), key=lambda k: float(np.abs(np.roll(x[:, 0], -k)[core] - wave[core, 0]).sum())
        )

    assert lag(causal) >= 1
    assert lag(offline) == 0
