"""companion.seq2seq: shapes, masking, attention weights, the masked loss, teacher forcing, beam
search against greedy decoding, and a tiny model that learns a handful of dates (chapter 5)."""
import pytest
import torch

from companion.data.dates import EOS, PAD, SOS, date_splits, pair_tensors, vocab_for
from companion.applications.translator import evaluate, train_translator
from companion.seq2seq import (AdditiveAttention, Encoder, Seq2Seq, beam_search, greedy_decode,
                               masked_cross_entropy)

SPLITS = date_splits(64, 8, 16, seed=0)
VOCAB = vocab_for(SPLITS)


def _model(attention=True, bidirectional=False, seed=0):
    torch.manual_seed(seed)
    return Seq2Seq(len(VOCAB), 8, 16, attention=attention, bidirectional=bidirectional).double()


def _batch(pairs=SPLITS["test"]):
    return pair_tensors(pairs, VOCAB)


@pytest.mark.parametrize("attention", [True, False])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_shapes(attention, bidirectional):
    model = _model(attention, bidirectional)
    source, lengths, target = _batch()
    logits, weights = model(source, lengths, target[:, :-1])
    B, S, T = source.shape[0], source.shape[1], target.shape[1] - 1
    assert logits.shape == (B, T, len(VOCAB))
    assert (weights is None) == (not attention)
    if attention:
        assert weights.shape == (B, T, S)


@pytest.mark.parametrize("bidirectional", [True, False])
def test_padding_changes_nothing(bidirectional):
    """More padding columns, or a batch partner of another length, leave every output unchanged."""
    model = _model(bidirectional=bidirectional)
    source, lengths, target = _batch()
    logits, weights = model(source, lengths, target[:, :-1])
    padded = torch.cat([source, torch.full((source.shape[0], 7), PAD)], dim=1)
    logits_padded, weights_padded = model(padded, lengths, target[:, :-1])
    torch.testing.assert_close(logits_padded, logits, atol=1e-12, rtol=0)
    torch.testing.assert_close(weights_padded[..., :source.shape[1]], weights, atol=1e-12, rtol=0)
    alone, _ = model(source[:1, :int(lengths[0])], lengths[:1], target[:1, :-1])
    torch.testing.assert_close(alone, logits[:1], atol=1e-12, rtol=0)


def test_attention_weights_sum_to_one_over_real_positions_only():
    model = _model()
    source, lengths, target = _batch()
    _, weights = model(source, lengths, target[:, :-1])
    real = torch.arange(source.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)  # (B, S)
    torch.testing.assert_close(weights.sum(dim=2), torch.ones(weights.shape[:2], dtype=weights.dtype))
    assert (weights.masked_select(~real.unsqueeze(1).expand_as(weights)) == 0).all()
    assert (weights.masked_select(real.unsqueeze(1).expand_as(weights)) > 0).all()


def test_additive_attention_by_hand():
    torch.manual_seed(0)
    attention = AdditiveAttention(3, 4, 5).double()
    query, keys = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 6, 4, dtype=torch.float64)
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    context, weights = attention(query, keys, mask)
    for b in range(2):
        n = int(mask[b].sum())
        scores = torch.stack([attention.v.weight[0] @ torch.tanh(attention.W_q.weight @ query[b]
                                                                 + attention.W_k.weight @ keys[b, j]
                                                                 + attention.W_k.bias)
                              for j in range(n)])
        expected = torch.softmax(scores, dim=0)
        torch.testing.assert_close(weights[b, :n], expected)
        torch.testing.assert_close(context[b], expected @ keys[b, :n])


def test_bidirectional_encoder_reads_each_sequence_backwards_within_its_length():
    torch.manual_seed(1)
    encoder = Encoder(len(VOCAB), 8, 16, bidirectional=True).double()
    source, lengths, _ = _batch()
    memory = encoder(source, lengths)
    row = int(lengths.argmin())
    n = int(lengths[row])
    embedded = encoder.embed(source[row:row + 1, :n])
    backward, _ = encoder.rnn.backward_layer(embedded.flip(1))
    torch.testing.assert_close(memory.outputs[row, :n, 16:], backward[0].flip(0))
    torch.testing.assert_close(memory.final[row, 16:], backward[0, -1])


def test_masked_loss_is_the_mean_over_real_tokens():
    torch.manual_seed(2)
    logits = torch.randn(2, 4, 5, dtype=torch.float64)
    targets = torch.tensor([[3, 4, EOS, PAD], [3, EOS, PAD, PAD]])
    by_hand = [-torch.log_softmax(logits[b, t], 0)[targets[b, t]]
               for b in range(2) for t in range(4) if targets[b, t] != PAD]
    torch.testing.assert_close(masked_cross_entropy(logits, targets), torch.stack(by_hand).mean())
    with pytest.raises(ValueError, match="disagree"):
        masked_cross_entropy(logits, targets[:, :3])


def test_without_teacher_forcing_the_decoder_ignores_the_true_tokens():
    model = _model()
    source, lengths, target = _batch()
    scrambled = target.clone()
    scrambled[:, 1:] = torch.randint(3, len(VOCAB), scrambled[:, 1:].shape)
    own, _ = model(source, lengths, target[:, :-1], teacher_forcing=0.0)
    own_scrambled, _ = model(source, lengths, scrambled[:, :-1], teacher_forcing=0.0)
    torch.testing.assert_close(own, own_scrambled)
    forced, _ = model(source, lengths, scrambled[:, :-1], teacher_forcing=1.0)
    assert not torch.allclose(forced, own)


@pytest.mark.parametrize("attention", [True, False])
def test_beam_of_one_is_greedy(attention):
    model = _model(attention, seed=3)
    source, lengths, _ = _batch()
    greedy, _ = greedy_decode(model, source, lengths, max_length=12)
    as_lists = [[t for t in row if t != PAD] for row in greedy.tolist()]
    assert beam_search(model, source, lengths, beam_size=1, max_length=12) == as_lists


@pytest.mark.slow
def test_a_tiny_model_learns_a_handful_of_dates_and_beam_search_agrees():
    pairs = SPLITS["train"][:8]
    torch.manual_seed(0)
    model = Seq2Seq(len(VOCAB), 16, 32)
    history = train_translator(model, pair_tensors(pairs, VOCAB), steps=250, lr=1e-2, batch_size=8)
    assert history.loss[-1] < 0.05
    assert evaluate(model, pairs, VOCAB)["exact_match"] == 1.0
    assert evaluate(model, pairs, VOCAB, beam_size=3)["exact_match"] == 1.0


def test_bad_input_raises_clear_value_error():
    model = _model()
    source, lengths, target = _batch()
    with pytest.raises(ValueError, match=r"source tokens must be an int64 tensor of shape \(B, S\)"):
        model(source.double(), lengths, target)
    with pytest.raises(ValueError, match=r"lengths must have shape \(B,\)"):
        model(source, lengths[:3], target)
    with pytest.raises(ValueError, match="every length must lie in"):
        model(source, lengths + 100, target)
    with pytest.raises(ValueError, match="target tokens"):
        model(source, lengths, target[:, 0])
    with pytest.raises(ValueError, match="teacher_forcing"):
        model(source, lengths, target, teacher_forcing=1.5)
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(model, source, lengths, 0, 12)
    assert SOS != EOS != PAD
