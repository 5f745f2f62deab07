"""companion.data.trajectories: CTRV motion, checked against its closed form."""
import numpy as np
import pytest

from companion.data.trajectories import DT, turning_tracks


def test_without_noise_or_manoeuvres_a_track_is_an_arc_of_constant_speed():
    tracks = turning_tracks(20, 50, seed=1, noise=0.0, manoeuvre_rate=0.0)
    steps = np.diff(tracks, axis=1)
    speeds = np.linalg.norm(steps, axis=-1) / DT
    np.testing.assert_allclose(speeds, speeds[:, :1].repeat(49, 1), rtol=1e-12)
    heading = np.unwrap(np.arctan2(steps[..., 1], steps[..., 0]), axis=1)
    turn = np.diff(heading, axis=1)  # the same turn every step: an arc
    np.testing.assert_allclose(turn, turn[:, :1].repeat(48, 1), atol=1e-12)
    assert (3.0 <= speeds[:, 0]).all() and (speeds[:, 0] <= 15.0).all()


def test_manoeuvres_and_noise_are_seeded():
    a = turning_tracks(10, 30, seed=4)
    np.testing.assert_array_equal(a, turning_tracks(10, 30, seed=4))
    assert not np.array_equal(a, turning_tracks(10, 30, seed=5))
    clean = turning_tracks(10, 30, seed=4, noise=0.0)
    assert 0.02 < np.std(a - clean) < 0.08  # the default noise, 5 cm
    with pytest.raises(ValueError, match="steps"):
        turning_tracks(3, 1)
