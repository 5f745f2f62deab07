"""companion.schematics: each picture shows what the computation it depicts does."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from companion import schematics  # noqa: E402
from companion.conv import CausalConv1d  # noqa: E402


def _red_arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)
            and matplotlib.colors.same_color(p.get_edgecolor(), schematics.GRADIENT)]


@pytest.mark.parametrize("layers,kernel", [(4, 2), (3, 3), (1, 2)])
def test_the_dilated_stack_marks_exactly_the_inputs_the_last_output_depends_on(layers, kernel):
    steps = 20
    fig, ax = plt.subplots()
    drawn = schematics.draw_dilated_stack(ax, layers, kernel, steps, "stack")
    plt.close(fig)
    torch.manual_seed(0)
    stack = torch.nn.Sequential(*[CausalConv1d(1, 1, kernel, 2 ** level) for level in range(layers)]).double()
    x = torch.randn(1, steps, 1, dtype=torch.float64, requires_grad=True)
    stack(x)[0, -1, 0].backward()
    assert drawn == set(np.flatnonzero(x.grad[0, :, 0].numpy()).tolist())
    assert len(drawn) == min(steps, 1 + (kernel - 1) * (2 ** layers - 1))


@pytest.mark.parametrize("steps", [1, 5, 8, 13])
def test_the_scan_tree_ends_with_every_prefix_in_log_depth(steps):
    fig, ax = plt.subplots()
    spans = schematics.draw_scan_tree(ax, steps, "scan")
    plt.close(fig)
    assert len(spans) - 1 == int(np.ceil(np.log2(steps)))
    assert spans[-1] == [(1, t + 1) for t in range(steps)]
    values = np.random.default_rng(0).normal(size=steps)
    for previous, current in zip(spans, spans[1:]):  # each round joins two adjacent spans
        for (first, last), (old_first, old_last) in zip(current, previous):
            assert last == old_last and first <= old_first
    assert np.allclose([values[first - 1:last].sum() for first, last in spans[-1]], np.cumsum(values))


@pytest.mark.parametrize("lengths", [[3, 5, 2], [4], [1, 1, 6, 2]])
def test_the_packed_picture_holds_what_pack_padded_sequence_stores(lengths):
    fig, (a, b) = plt.subplots(1, 2)
    sizes = schematics.draw_padding_and_packing(a, b, lengths)
    plt.close(fig)
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.zeros(len(lengths), max(lengths), 1),
                                                     torch.tensor(lengths), batch_first=True,
                                                     enforce_sorted=False)
    assert sizes == packed.batch_sizes.tolist()


def test_padding_picture_refuses_empty_or_zero_lengths():
    fig, (a, b) = plt.subplots(1, 2)
    for bad in ([], [2, 0]):
        with pytest.raises(ValueError, match="positive"):
            schematics.draw_padding_and_packing(a, b, bad)
    plt.close(fig)


@pytest.mark.parametrize("steps,chunk", [(10, 4), (12, 4), (5, 1), (6, 10)])
def test_truncated_chunks_cut_the_gradient_only_at_chunk_boundaries(steps, chunk):
    fig, ax = plt.subplots()
    arrows = schematics.draw_truncated_chunks(ax, steps, chunk, "tbptt")
    assert arrows == len(_red_arrows(ax)) == steps - -(-steps // chunk)
    plt.close(fig)
    with pytest.raises(ValueError, match="chunk"):
        schematics.draw_truncated_chunks(ax, steps, 0, "tbptt")


def test_the_bptt_graph_sends_gradient_from_the_loss_and_from_the_next_state():
    fig, ax = plt.subplots()
    schematics.draw_bptt_graph(ax, 5, "bptt")
    assert len(_red_arrows(ax)) == 5 + 4      # one from each loss, one from each later state
    assert ax.get_title() == "bptt"
    plt.close(fig)


def test_the_rolled_picture_labels_every_unrolled_copy_with_the_same_weights():
    fig, ax = plt.subplots()
    schematics.draw_rolled_and_unrolled(ax, 4, "rolled")
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("$W_{xh}$") == labels.count("$W_{hy}$") == 1 + 4
    assert labels.count("$W_{hh}$") == 1 + 3 and "$h_0$" in labels
    plt.close(fig)
