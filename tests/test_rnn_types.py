"""companion.rnn_types: the four input/output patterns of chapter 1."""
import torch
from torch import nn

import pytest

from companion.conv import TCN
from companion.gru import GRU
from companion.lstm import LSTM
from companion.rnn import RNN
from companion.scan import MinGRU
from companion.stack import Bidirectional, Stacked
from companion.rnn_types import EncoderDecoder, Generator, ManyToMany, ManyToOne, OneToMany, OneToOne

B, T, I, H, O = 3, 6, 4, 8, 2


def _all_parameters_get_gradients(model, output, unused=()):
    output.square().sum().backward()
    for name, p in model.named_parameters():
        used = p.grad is not None and p.grad.abs().sum() > 0
        assert used == (name not in unused), name


def test_shapes_and_gradients():
    torch.manual_seed(0)
    x_vec, x_seq = torch.randn(B, I), torch.randn(B, T, I)
    cases = [
        (OneToOne(I, H, O), (x_vec,), (B, O)),
        (OneToMany(I, H, O), (x_vec, 5), (B, 5, O)),
        (ManyToOne(I, H, O), (x_seq,), (B, O)),
        (ManyToMany(I, H, O), (x_seq,), (B, T, O)),
        (EncoderDecoder(I, H, O), (x_seq, 9), (B, 9, O)),
    ]
    for model, args, shape in cases:
        y = model(*args)
        assert y.shape == shape, type(model).__name__
        # One step from h_0 = 0: the recurrent weights never touch a one-to-one output.
        unused = ("rnn.cell.W_hh",) if isinstance(model, OneToOne) else ()
        _all_parameters_get_gradients(model, y, unused)


def test_one_to_one_is_a_feedforward_layer():
    torch.manual_seed(1)
    model = OneToOne(I, H, O)
    x = torch.randn(B, I)
    cell = model.rnn.cell
    expected = model.head(torch.tanh(x @ cell.W_xh + cell.b))  # h_0 = 0, so W_hh plays no part
    torch.testing.assert_close(model(x), expected)


def test_generator_feeds_outputs_back():
    torch.manual_seed(2)
    gen = Generator(H, O)
    h = torch.randn(B, H)
    y = gen(h, 4)
    # Redo the unrolling by hand with the readable cell.
    prev, state = torch.zeros(B, O), h
    for t in range(4):
        state = gen.rnn.cell(prev, state)
        prev = gen.head(state)
        torch.testing.assert_close(y[:, t], prev, atol=1e-6, rtol=0)


def test_many_to_one_uses_each_sequence_own_last_step():
    torch.manual_seed(3)
    model = ManyToOne(I, H, O)
    lengths = torch.tensor([6, 3, 1])
    x = torch.randn(B, T, I)
    batched = model(x, lengths)
    for i, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(batched[i], model(x[i : i + 1, :n])[0], atol=1e-6, rtol=0)


def test_many_to_many_is_causal():
    torch.manual_seed(4)
    model = ManyToMany(I, H, O)
    x = torch.randn(1, T, I)
    changed = x.clone()
    changed[:, 4:] += 1.0  # changing the future must not change earlier outputs
    y, y_changed = model(x), model(changed)
    torch.testing.assert_close(y[:, :4], y_changed[:, :4])
    assert not torch.allclose(y[:, 4:], y_changed[:, 4:])


def test_encoder_decoder_output_depends_on_the_whole_input():
    torch.manual_seed(5)
    model = EncoderDecoder(I, H, O)
    x = torch.randn(1, T, I)
    changed = x.clone()
    changed[:, 0] += 1.0  # the first input must still reach every output
    assert (model(x, 3) - model(changed, 3)).abs().min() > 0


def test_every_pattern_is_built_on_the_companion_rnn():
    for model in (OneToOne(I, H, O), OneToMany(I, H, O), ManyToOne(I, H, O),
                  ManyToMany(I, H, O), EncoderDecoder(I, H, O)):
        assert any(isinstance(m, RNN) for m in model.modules())
        assert not any(isinstance(m, (nn.RNN, nn.LSTM, nn.GRU)) for m in model.modules())


@pytest.mark.parametrize("layer", [RNN, LSTM, GRU, MinGRU, TCN, lambda i, h: Bidirectional(
    LSTM(i, h), GRU(i, h)), lambda i, h: Stacked([GRU(i, h), LSTM(h, h)])])
def test_heads_take_lengths_with_any_layer_and_padding_changes_nothing(layer):
    """Oracle: each sequence run alone, without padding."""
    torch.manual_seed(0)
    to_one, to_many = ManyToOne(3, 5, 2, layer=layer), ManyToMany(3, 5, 2, layer=layer)
    x, lengths = torch.randn(4, 7, 3), torch.tensor([7, 2, 1, 5])
    one, many = to_one(x, lengths), to_many(x, lengths)
    assert one.shape == (4, 2) and many.shape == (4, 7, 2)
    for b, n in enumerate(lengths.tolist()):
        alone = x[b:b + 1, :n]
        torch.testing.assert_close(one[b], to_one(alone)[0])
        torch.testing.assert_close(many[b, :n], to_many(alone)[0])
