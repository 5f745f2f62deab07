"""Stacked and bidirectional layers, and ``from_torch`` for every layout PyTorch offers.

The oracle is PyTorch: for {RNN, LSTM, GRU} x {1, 2, 3 layers} x {one, two directions} x {with,
without bias} x {no lengths, mixed lengths including 1 and T}, the companion module that
``from_torch`` builds must give ``torch.nn.*``'s outputs, final states, and the gradients of the
input and of every weight (a packed sequence on the PyTorch side when there are lengths).
"""
import copy
import itertools

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from companion.gru import GRU
from companion.lstm import LSTM
from companion.rnn import RNN
from companion.stack import Bidirectional, Stacked

KINDS = {"RNN": (nn.RNN, RNN), "LSTM": (nn.LSTM, LSTM), "GRU": (nn.GRU, GRU)}
B, T, I, H = 4, 7, 3, 5
MIXED_LENGTHS = [7, 1, 4, 6]  # unsorted, with 1 and T
TOLERANCE = 1e-5  # fp32


def run_torch(module, x, lengths):
    """PyTorch's outputs (B, T, D*H) and final states (h_n, c_n or None), packed if lengths."""
    if lengths is None:
        outputs, state = module(x)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True,
                                      enforce_sorted=False)
        outputs, state = module(packed)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])
    return outputs, state if isinstance(state, tuple) else (state, None)


def in_torch_layout(state, module):
    """A companion state as PyTorch's ``(h_n, c_n)``, each ``(num_layers * D, B, H)``."""
    layers = state if module.num_layers > 1 else (state,)
    hs, cs = [], []
    for layer_state in layers:
        for direction in (layer_state if module.bidirectional else (layer_state,)):
            if isinstance(module, nn.LSTM):
                hs.append(direction[0])
                cs.append(direction[1])
            else:
                hs.append(direction)
    return torch.stack(hs), (torch.stack(cs) if cs else None)


def gradients_in_companion_layout(module, companion_cls):
    """PyTorch's weight gradients, mapped to the companion's parameters by ``from_torch`` itself.

    Where the companion keeps one bias for PyTorch's two (``b = b_ih + b_hh``), both of PyTorch's
    gradients equal the companion's; the ``b_hh`` part is zeroed so that the sum is counted once.
    """
    holder = copy.deepcopy(module)
    with torch.no_grad():
        for name, parameter in holder.named_parameters():
            parameter.copy_(dict(module.named_parameters())[name].grad)
            if name.startswith("bias_hh"):
                summed = parameter.shape[0] if not isinstance(module, nn.GRU) else 2 * module.hidden_size
                parameter[:summed] = 0  # the GRU's candidate biases stay apart
    return dict(companion_cls.from_torch(holder).named_parameters())


GRID = list(itertools.product(KINDS, [1, 2, 3], [False, True], [True, False], [None, MIXED_LENGTHS]))


@pytest.mark.parametrize("kind, num_layers, bidirectional, bias, lengths", GRID)
def test_from_torch_matches_outputs_states_and_all_gradients(kind, num_layers, bidirectional,
                                                             bias, lengths):
    torch_cls, companion_cls = KINDS[kind]
    torch.manual_seed(num_layers * 10 + bidirectional)
    reference = torch_cls(I, H, num_layers=num_layers, bidirectional=bidirectional, bias=bias,
                          dropout=0.25 if num_layers > 1 else 0.0, batch_first=True).eval()
    ours = companion_cls.from_torch(reference).eval()
    x = torch.randn(B, T, I)
    x_ours, x_ref = x.clone().requires_grad_(), x.clone().requires_grad_()

    out_ours, state_ours = ours(x_ours, lengths=lengths)
    h_ours, c_ours = in_torch_layout(state_ours, reference)
    out_ref, (h_ref, c_ref) = run_torch(reference, x_ref, lengths)
    directions = 2 if bidirectional else 1
    assert out_ours.shape == (B, T, directions * H)
    assert (out_ours - out_ref).abs().max() <= TOLERANCE
    assert (h_ours - h_ref).abs().max() <= TOLERANCE
    if c_ref is not None:
        assert (c_ours - c_ref).abs().max() <= TOLERANCE

    # One random weighting of every output and final state, the same on both sides.
    weights = [torch.randn_like(t) for t in (out_ref, h_ref) + ((c_ref,) if c_ref is not None else ())]
    loss_ours = sum((w * t).sum() for w, t in zip(weights, (out_ours, h_ours, c_ours)))
    loss_ref = sum((w * t).sum() for w, t in zip(weights, (out_ref, h_ref, c_ref)))
    loss_ours.backward()
    loss_ref.backward()
    assert (x_ours.grad - x_ref.grad).abs().max() <= TOLERANCE
    expected = gradients_in_companion_layout(reference, companion_cls)
    for name, parameter in ours.named_parameters():
        if not parameter.requires_grad:  # a bias PyTorch does not have: frozen at zero
            assert not bias and parameter.grad is None and not parameter.any(), name
            continue
        assert (parameter.grad - expected[name]).abs().max() <= TOLERANCE, name


def test_two_layer_bidirectional_lstm_with_lengths_passes_gradcheck_in_float64():
    torch.manual_seed(0)
    model = LSTM.from_torch(nn.LSTM(2, 3, num_layers=2, bidirectional=True,
                                    batch_first=True)).double()
    names = [name for name, _ in model.named_parameters()]
    lengths = [5, 2, 1]

    def run(x, *parameters):
        outputs, state = torch.func.functional_call(model, dict(zip(names, parameters)), (x,),
                                                    {"lengths": lengths})
        return outputs, model.hidden(state)

    x = torch.randn(3, 5, 2, dtype=torch.float64, requires_grad=True)
    parameters = [p.detach().clone().requires_grad_() for p in model.parameters()]
    assert torch.autograd.gradcheck(run, (x, *parameters), eps=1e-6, atol=1e-6)


def test_bidirectional_outputs_equal_each_sequence_run_alone():
    """Independent of PyTorch: padding must not change any real step's output, both directions."""
    torch.manual_seed(1)
    layer = Bidirectional(GRU(I, H), GRU(I, H))
    x = torch.randn(B, T, I)
    padded_out, (forward_h, backward_h) = layer(x, lengths=MIXED_LENGTHS)
    for b, n in enumerate(MIXED_LENGTHS):
        alone_out, (alone_forward, alone_backward) = layer(x[b:b + 1, :n])
        assert torch.allclose(padded_out[b, :n], alone_out[0], atol=1e-6)
        assert (padded_out[b, n:] == 0).all()
        assert torch.allclose(forward_h[b], alone_forward[0], atol=1e-6)
        assert torch.allclose(backward_h[b], alone_backward[0], atol=1e-6)
        assert torch.allclose(backward_h[b], alone_out[0, 0, H:], atol=1e-6)  # state after x_1


def test_residual_connections_add_each_layer_input_and_dropout_acts_only_in_training():
    torch.manual_seed(2)
    first, second = LSTM(I, H), LSTM(H, H)
    stack = Stacked([first, second], dropout=0.5, residual=True).eval()
    x = torch.randn(B, T, I)
    below, _ = first(x)
    above, _ = second(below)
    assert torch.allclose(stack(x)[0], above + below, atol=1e-6)
    stack.train()
    torch.manual_seed(3)
    trained, _ = stack(x)
    assert not torch.allclose(trained, above + below)
    stack.eval()
    assert torch.allclose(stack(x)[0], above + below, atol=1e-6)


def test_stacked_state_round_trips_and_continues_a_sequence():
    torch.manual_seed(4)
    stack = Stacked([GRU(I, H), LSTM(H, H), RNN(H, 2)])
    x = torch.randn(B, T, I)
    whole, whole_state = stack(x)
    first_half, state = stack(x[:, :3])
    second_half, state = stack(x[:, 3:], state)
    assert torch.allclose(torch.cat([first_half, second_half], dim=1), whole, atol=1e-6)
    assert torch.allclose(stack.hidden(state), whole_state[-1], atol=1e-6)
    assert stack.output_size == 2 and stack.hidden(state).shape == (B, 2)


def test_hidden_reads_h_from_any_state():
    torch.manual_seed(5)
    layer = Stacked([Bidirectional(LSTM(I, H), LSTM(I, 2)), GRU(H + 2, 4)])
    outputs, state = layer(torch.randn(B, T, I), lengths=MIXED_LENGTHS)
    assert torch.equal(layer.hidden(state), state[1])
    inner = layer.layers[0]
    assert inner.hidden(state[0]).shape == (B, H + 2)
    assert torch.equal(inner.hidden(state[0])[:, :H], state[0][0][0])  # forward LSTM's h


def test_bad_input_names_the_expected_shape():
    stack = Stacked([GRU(I, H), GRU(H, H)])
    x = torch.randn(B, T, I)
    with pytest.raises(ValueError, match=r"layer 0 outputs \(B, T, 5\) but layer 1 expects"):
        Stacked([GRU(I, H), GRU(4, H)])
    with pytest.raises(ValueError, match="residual connection needs input_size == output_size"):
        Stacked([GRU(I, H), GRU(H, 4)], residual=True)
    with pytest.raises(ValueError, match="same input"):
        Bidirectional(GRU(I, H), GRU(4, H))
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        Stacked([GRU(I, H)], dropout=1.0)
    with pytest.raises(ValueError, match="tuple of 2 states, one per layer"):
        stack(x, torch.zeros(B, H))
    with pytest.raises(ValueError, match="tuple of 2 states, one per direction"):
        Bidirectional(GRU(I, H), GRU(I, H))(x, (torch.zeros(B, H),))
    with pytest.raises(ValueError, match=r"h_0 must have shape \(B, H\) = \(4, 5\)"):
        stack(x, (torch.zeros(B, H), torch.zeros(1, B, H)))
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, I\) = \(batch, time, 3\)"):
        stack(torch.randn(B, T, 4))
    for layer in (stack, Bidirectional(LSTM(I, H), LSTM(I, H)), RNN(I, H), LSTM(I, H), GRU(I, H)):
        with pytest.raises(ValueError, match=r"every length must lie in 1..T = 1..7"):
            layer(x, lengths=[7, 0, 3, 3])
        with pytest.raises(ValueError, match=r"every length must lie in 1..T = 1..7"):
            layer(x, lengths=[8, 1, 3, 3])
        with pytest.raises(ValueError, match=r"lengths must have shape \(B,\) = \(4,\)"):
            layer(x, lengths=[7, 1, 3])
        with pytest.raises(ValueError, match="lengths must be integers"):
            layer(x, lengths=torch.tensor([7.0, 1.0, 3.0, 3.0]))
