"""companion.applications.trajectory: the heading frame and the constant-velocity baseline."""
import numpy as np
import pytest

from companion.applications import trajectory as tr


def test_the_heading_frame_puts_the_vehicle_at_the_origin_facing_x():
    rng = np.random.default_rng(0)
    tracks = np.cumsum(rng.normal(size=(6, 12, 2)), axis=1)
    frame = tr.to_heading_frame(tracks, past=8, heading_steps=3)
    np.testing.assert_allclose(frame[:, 7], 0, atol=1e-12)
    heading = frame[:, 7] - frame[:, 4]
    np.testing.assert_allclose(heading[:, 1], 0, atol=1e-12)
    assert (heading[:, 0] > 0).all()  # the last 3 steps point along +x
    def distances(t):
        return np.linalg.norm(t[:, :, None] - t[:, None], axis=-1)
    np.testing.assert_allclose(distances(frame), distances(tracks), atol=1e-9)  # a rigid motion
    with pytest.raises(ValueError, match=r"\(N, T, 2\)"):
        tr.to_heading_frame(tracks[..., 0], past=8)


def test_constant_velocity_is_exact_on_straight_uniform_motion():
    t = np.arange(15.0)
    tracks = np.stack([3 + 0.5 * t, -1 + 0.2 * t], -1)[None]
    frame = tr.to_heading_frame(tracks, past=10)
    forecast = tr.constant_velocity_forecast(frame, past=10, horizon=5, k=4)
    ade, fde = tr.displacement_errors(forecast, frame[:, 10:])
    assert ade == pytest.approx(0, abs=1e-12) and fde == pytest.approx(0, abs=1e-12)
    assert tr.model_inputs(frame, 10, scale=1.0).shape == (1, 9, 2)
    with pytest.raises(ValueError, match="k"):
        tr.constant_velocity_forecast(frame, 10, 5, k=10)


def test_displacement_errors_known_answer():
    truth = np.zeros((2, 3, 2))
    forecast = truth.copy()
    forecast[0, :, 0] = [3, 0, 0]
    forecast[1, 2] = [3, 4]
    assert tr.displacement_errors(forecast, truth) == (pytest.approx(8 / 6), pytest.approx(2.5))
