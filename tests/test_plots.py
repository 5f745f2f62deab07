"""companion.plots draws what it is asked to draw."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from companion.plots import draw_deep, draw_unrolled  # noqa: E402


def _count(ax, kind):
    return sum(isinstance(p, kind) for p in ax.patches)


def test_draw_unrolled_boxes_and_arrows():
    fig, ax = plt.subplots()
    draw_unrolled(ax, steps=4, inputs_at=[0, 1, 2, 3], outputs_at=[3], title="many to one")
    # 4 hidden + 4 input + 1 output boxes; 4 input arrows + 1 output arrow + 3 recurrent arrows
    assert _count(ax, FancyBboxPatch) == 9
    assert _count(ax, FancyArrowPatch) == 8
    assert ax.get_title() == "many to one"
    labels = {t.get_text() for t in ax.texts}
    assert {"$x_{1}$", "$h_{4}$", "$y_{4}$"} <= labels and "$y_{1}$" not in labels
    plt.close(fig)


def test_moving_average_known_answer():
    from companion.plots import moving_average

    assert moving_average([1, 2, 3, 4, 5], 2).tolist() == [1.0, 1.5, 2.5, 3.5, 4.5]
    assert moving_average([2.0, 4.0], 10).tolist() == [2.0, 3.0]


def test_plot_history_draws_one_point_per_step():
    from companion.plots import plot_history
    from companion.train import History

    fig, ax = plt.subplots()
    plot_history(ax, History(loss=[3.0, 2.0, 1.0], grad_norm=[1.0, 1.0, 1.0]), label="run")
    (line,) = ax.get_lines()
    assert line.get_xdata().tolist() == [1, 2, 3] and line.get_ydata().tolist() == [3.0, 2.0, 1.0]
    assert ax.get_xlabel() == "optimiser step"
    plt.close(fig)


def _patches(ax):
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    return boxes, arrows


def test_draw_deep_draws_every_state_and_connection():
    fig, ax = plt.subplots()
    draw_deep(ax, layers=3, steps=4, title="deep")
    boxes, arrows = _patches(ax)
    assert len(boxes) == 4 * (3 + 2)            # x, three hidden layers, y at every step
    assert len(arrows) == 3 * 3 + 4 * 4         # along each layer; up through 4 levels per step
    fig, ax = plt.subplots()
    draw_deep(ax, layers=3, steps=4, title="residual", residual=True)
    assert len(_patches(ax)[1]) == 3 * 3 + 4 * 4 + 4 * 2   # plus a skip around layers 2 and 3
    fig, ax = plt.subplots()
    draw_deep(ax, layers=1, steps=4, title="both ways", bidirectional=True)
    boxes, arrows = _patches(ax)
    assert len(boxes) == 4 * 4 and len(arrows) == 2 * 3 + 4 * 4
    plt.close("all")
