"""companion.init: orthogonal blocks, and the identity start of the ReLU RNN with its known
behaviour (with no input it copies its state forward)."""
import pytest
import torch

from companion.gru import GRU
from companion.init import identity_relu_, orthogonal_recurrent_, recurrent_blocks
from companion.lstm import LSTM
from companion.rnn import RNN


@pytest.mark.parametrize("make, blocks", [(lambda: RNN(3, 6), 1), (lambda: GRU(3, 6), 3),
                                          (lambda: LSTM(3, 6), 4)])
def test_every_recurrent_block_becomes_orthogonal_and_inputs_stay(make, blocks):
    torch.manual_seed(0)
    layer = make()
    before = {name: p.clone() for name, p in layer.named_parameters()}
    orthogonal_recurrent_(layer, gain=1.0, generator=torch.Generator().manual_seed(1))
    found = recurrent_blocks(layer)
    assert len(found) == blocks
    for block in found:
        torch.testing.assert_close(block.T @ block, torch.eye(6), atol=1e-5, rtol=0)
    changed = {name for name, p in layer.named_parameters() if not torch.equal(p, before[name])}
    assert changed  # and only the recurrent rows of an LSTM's W changed:
    if isinstance(layer, LSTM):
        for gate in "fiCo":
            W = getattr(layer.cell, f"W_{gate}")
            assert torch.equal(W[6:], before[f"cell.W_{gate}"][6:])


def test_identity_relu_rnn_copies_a_positive_state_when_the_input_is_zero():
    torch.manual_seed(2)
    layer = identity_relu_(RNN(2, 5, nonlinearity="relu"))
    assert torch.equal(layer.cell.W_hh, torch.eye(5)) and not layer.cell.b.any()
    assert layer.cell.W_xh.std().item() < 0.01
    h0 = torch.rand(3, 5) + 0.1
    outputs, h = layer(torch.zeros(3, 40, 2), h0)
    torch.testing.assert_close(h, h0, rtol=0, atol=0)
    torch.testing.assert_close(outputs[:, 17], h0, rtol=0, atol=0)


def test_identity_start_needs_a_relu_rnn():
    with pytest.raises(ValueError, match="nonlinearity='relu'"):
        identity_relu_(RNN(2, 3))
    with pytest.raises(ValueError, match="RNN, GRU or LSTM"):
        recurrent_blocks(torch.nn.Linear(2, 3))
