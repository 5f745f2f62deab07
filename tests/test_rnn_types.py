"""companion.rnn_types: the four input/output patterns of chapter 1."""
import torch
from torch import nn

from companion.rnn import RNN
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


def test_heads_work_on_an_lstm_layer():
    from companion.lstm import LSTM

    torch.manual_seed(0)
    to_one = ManyToOne(3, 5, 2, layer=LSTM)
    to_many = ManyToMany(3, 5, 2, layer=LSTM)
    x = torch.randn(4, 7, 3)
    _, (h_T, _) = to_one.rnn(x)
    torch.testing.assert_close(to_one(x), to_one.head(h_T))
    outputs, _ = to_many.rnn(x)
    torch.testing.assert_close(to_many(x), to_many.head(outputs))
    assert to_many(x).shape == (4, 7, 2)
