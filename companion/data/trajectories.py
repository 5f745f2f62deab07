"""Moving objects: 2-D tracks of vehicles that turn, speed up and manoeuvre, with sensor noise.

Generated, seeded. Each track follows the constant-turn-rate-and-velocity model (CTRV) that
tracking filters use: position ``(x, y)``, speed ``v`` and heading ``theta`` advance by
``theta += omega dt``, ``x += v cos(theta) dt``, ``y += v sin(theta) dt``. At each step, with a
small probability, the driver manoeuvres: a new turn rate and a new acceleration are drawn. The
observed positions carry Gaussian noise, as a GPS or a lidar track does.

- :func:`turning_tracks`: ``(N, T, 2)`` observed positions, in metres.
"""
from __future__ import annotations

import numpy as np

#: Seconds between observations (10 Hz).
DT = 0.1


def turning_tracks(count: int, steps: int, seed: int = 0, noise: float = 0.05,
                   manoeuvre_rate: float = 0.3, speed_range: tuple[float, float] = (3.0, 15.0),
                   turn_sd: float = 0.3, manoeuvre_turn_sd: float = 0.5,
                   manoeuvre_accel_sd: float = 1.5) -> np.ndarray:
    """Noisy observed positions of ``count`` CTRV tracks with random manoeuvres.

    Args:
        count: number of tracks ``N``.
        steps: observations per track ``T``, :data:`DT` apart.
        seed: seed of everything drawn.
        noise: standard deviation of the observation noise, metres.
        manoeuvre_rate: expected manoeuvres per second.
        speed_range: the uniform range of the starting speed, m/s (a floor of 0.5 m/s holds).
        turn_sd: standard deviation of the starting turn rate, rad/s.
        manoeuvre_turn_sd, manoeuvre_accel_sd: of the turn rate (rad/s) and acceleration
            (m/s^2) drawn at a manoeuvre (the acceleration starts at 0).

    Returns:
        float64 ``(N, T, 2)``, each track starting near the origin in a random direction.
    """
    if count < 1 or steps < 2 or noise < 0 or manoeuvre_rate < 0:
        raise ValueError(f"need count >= 1, steps >= 2, noise >= 0, manoeuvre_rate >= 0; got "
                         f"{count}, {steps}, {noise}, {manoeuvre_rate}")
    rng = np.random.default_rng(seed)
    heading = rng.uniform(-np.pi, np.pi, size=count)
    speed = rng.uniform(*speed_range, size=count)
    turn = rng.normal(0.0, turn_sd, size=count)
    accel = np.zeros(count)
    position = np.zeros((count, 2))
    track = np.empty((count, steps, 2))
    for t in range(steps):
        manoeuvre = rng.random(count) < manoeuvre_rate * DT
        turn = np.where(manoeuvre, rng.normal(0.0, manoeuvre_turn_sd, size=count), turn)
        accel = np.where(manoeuvre, rng.normal(0.0, manoeuvre_accel_sd, size=count), accel)
        speed = np.maximum(0.5, speed + accel * DT)
        heading = heading + turn * DT
        position = position + DT * speed[:, None] * np.stack([np.cos(heading), np.sin(heading)], -1)
        track[:, t] = position
    return track + rng.normal(0.0, noise, size=track.shape)
