"""companion.applications.video: the videos move as labelled, no single frame gives the label away, and the
CNN + GRU model has the right shapes (chapter 6)."""
import pytest
import torch

from companion.applications.video import FramesThenGRU
from companion.data.videos import DIRECTIONS, moving_square_videos


def _centre(frame, square=2):
    """Top-left corner of the brightest square x square patch, on the torus."""
    size = frame.shape[0]
    rolled = sum(torch.roll(frame, (-i, -j), (0, 1)) for i in range(square) for j in range(square))
    flat = int(rolled.argmax())
    return divmod(flat, size)


def test_the_square_moves_one_pixel_per_frame_in_the_labelled_direction():
    videos, labels = moving_square_videos(40, seed=0, noise=0.05)
    steps = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
    for video, label in zip(videos, labels):
        dy, dx = steps[DIRECTIONS[label]]
        positions = [_centre(frame) for frame in video]
        for (y0, x0), (y1, x1) in zip(positions, positions[1:]):
            assert ((y1 - y0) % 12, (x1 - x0) % 12) == (dy % 12, dx % 12)


def test_single_frame_positions_do_not_depend_on_the_direction():
    """Where the square is in any one frame is uniform, whatever the label."""
    videos, labels = moving_square_videos(4000, seed=1, noise=0.0)
    frame = videos[:, 3]
    for label in range(4):
        mean_image = frame[labels == label].mean(0)
        # every pixel is covered about equally often: 4 pixels of 144 lit
        assert (mean_image - 4 / 144).abs().max() < 0.03


def test_seeded_and_shaped():
    a, la = moving_square_videos(5, seed=3)
    b, lb = moving_square_videos(5, seed=3)
    assert torch.equal(a, b) and torch.equal(la, lb) and a.shape == (5, 8, 12, 12)
    with pytest.raises(ValueError, match="square < size"):
        moving_square_videos(5, seed=0, square=12)
    model = FramesThenGRU(12, 4)
    assert model(a).shape == (5, 4)
    with pytest.raises(ValueError, match=r"\(B, T, H, W\)"):
        model(a[0])
