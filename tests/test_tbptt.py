"""companion.tbptt: contiguous streams, chunking, the stateful loop against full BPTT, and the
saved-tensor measurement against known sizes."""
import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from companion.gru import GRU
from companion.rnn import RNN
from companion.tbptt import contiguous_streams, saved_tensor_bytes, stream_chunks, train_stateful


def test_streams_are_consecutive_slices_and_chunks_continue_them():
    ids = np.arange(23)
    streams = contiguous_streams(ids, 3)
    assert streams.tolist() == [list(range(0, 7)), list(range(7, 14)), list(range(14, 21))]
    chunks = list(stream_chunks(streams, 4))
    assert [tuple(x.shape) for x, _ in chunks] == [(3, 4), (3, 2)]
    inputs = torch.cat([x for x, _ in chunks], dim=1)
    targets = torch.cat([y for _, y in chunks], dim=1)
    assert torch.equal(inputs, streams[:, :-1]) and torch.equal(targets, streams[:, 1:])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"\(N,\)"):
        contiguous_streams(np.zeros((2, 3), dtype=int), 1)
    with pytest.raises(ValueError, match="batch_size"):
        contiguous_streams(np.arange(5), 3)
    with pytest.raises(ValueError, match="k must be"):
        next(stream_chunks(torch.zeros(2, 5, dtype=torch.int64), 0))


class _Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.head = GRU(3, 5), nn.Linear(5, 3)

    def forward(self, x, state=None):
        outputs, state = self.rnn(F.one_hot(x, 3).double(), state)
        return self.head(outputs), state


def _loss(logits, targets):
    return F.cross_entropy(logits.reshape(-1, 3), targets.reshape(-1))


def test_each_step_uses_the_gradient_of_its_own_chunk_only_from_the_carried_state():
    torch.manual_seed(0)
    model = _Tagger().double()
    streams = contiguous_streams(torch.randint(0, 3, (41,)), 2)
    reference = _Tagger().double()
    reference.load_state_dict(model.state_dict())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses, state = train_stateful(model, stream_chunks(streams, 6), optimizer, _loss,
                                   clip_norm=None)
    assert not state.requires_grad

    # by hand: chunk j's gradient, taken from the detached state that chunk j - 1 left
    h = None
    for j, (x, y) in enumerate(stream_chunks(streams, 6)):
        logits, h = reference(x, h)
        loss = _loss(logits, y)
        assert loss.item() == pytest.approx(losses[j], rel=1e-12)
        reference.zero_grad()
        loss.backward()
        with torch.no_grad():
            for parameter in reference.parameters():
                parameter -= 0.1 * parameter.grad
        h = h.detach()
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)


def test_saved_bytes_of_a_matrix_product_are_its_two_operands():
    a = torch.randn(8, 16, requires_grad=True)
    b = torch.randn(16, 4, requires_grad=True)
    saved, result = saved_tensor_bytes(lambda: (a @ b).sum())
    assert saved == (8 * 16 + 16 * 4) * 4
    assert result.item() == pytest.approx((a @ b).sum().item())


def test_saved_bytes_grow_linearly_with_the_steps_one_backward_covers():
    torch.manual_seed(1)
    layer = RNN(4, 32)
    x = torch.randn(2, 200, 4)
    saved = {T: saved_tensor_bytes(lambda: layer(x[:, :T])[0].sum())[0] for T in (20, 100, 200)}
    per_step = (saved[200] - saved[100]) / 100
    assert per_step >= 2 * 32 * 4  # at least each step's (B, H) state
    assert saved[100] - saved[20] == pytest.approx(80 * per_step, rel=1e-6)
    assert saved[200] / saved[20] > 5
