"""companion.cell_diagrams: the drawn cells have the layers and operations of the coded ones."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402

from companion import cell_diagrams  # noqa: E402
from companion.gru import GATES as GRU_GATES  # noqa: E402


def _operations(ax):
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    symbols = [t.get_text() for t in ax.texts if any(t.get_position() == c.center for c in circles)]
    return sorted(symbols)


def _layers(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


def test_the_lstm_cell_has_four_layers_three_products_one_sum_and_a_tanh():
    fig, ax = plt.subplots()
    cell_diagrams.draw_lstm_cell(ax, "LSTM")
    assert len(_layers(ax)) == 4                       # f, i, candidate, o: the four blocks of W
    assert _operations(ax) == sorted([r"$\times$"] * 3 + ["+", "tanh"])
    assert ax.get_title() == "LSTM"
    plt.close(fig)


def test_the_gru_cell_has_one_layer_per_gate_block_and_the_one_minus_z():
    fig, ax = plt.subplots()
    cell_diagrams.draw_gru_cell(ax, "GRU")
    assert len(_layers(ax)) == len(GRU_GATES)          # r, z, n
    assert _operations(ax) == sorted([r"$\times$"] * 2 + ["+", "1-"])
    plt.close(fig)


def test_attention_lines_are_as_wide_as_their_weights():
    fig, ax = plt.subplots()
    cell_diagrams.draw_attention(ax, [0.1, 0.6, 0.3], "attention")
    widths = [line.get_linewidth() for line in ax.get_lines()]
    assert widths[1] > widths[2] > widths[0]
    plt.close(fig)
    for bad in ([], [0.5, -0.1], [[0.5]]):
        with pytest.raises(ValueError, match="non-negative"):
            cell_diagrams.draw_attention(ax, bad, "attention")
