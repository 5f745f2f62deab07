"""companion.dropout: one mask per sequence, the usual rescaling, nothing in evaluation, and
the language model's dropout and weight tying."""
import pytest
import torch

from companion.applications.charlm import CharLM
from companion.dropout import InputDropout, VariationalDropout, sequence_dropout, variational_mask
from companion.gru import GRU


def test_mask_is_the_uniform_draws_thresholded_and_rescaled():
    mask = variational_mask(5, 7, 0.3, generator=torch.Generator().manual_seed(4))
    draws = torch.rand(5, 1, 7, generator=torch.Generator().manual_seed(4))
    assert mask.shape == (5, 1, 7)
    torch.testing.assert_close(mask, (draws >= 0.3).float() / 0.7)


def test_mean_is_kept_and_the_drop_rate_is_p():
    torch.manual_seed(0)
    mask = variational_mask(400, 500, 0.25)
    assert (mask == 0).float().mean().item() == pytest.approx(0.25, abs=0.005)
    assert mask.mean().item() == pytest.approx(1.0, abs=0.01)


def test_variational_dropout_uses_one_mask_for_every_step_and_plain_dropout_does_not():
    torch.manual_seed(1)
    x = torch.ones(4, 30, 16)
    same = VariationalDropout(0.5).train()(x)
    assert torch.equal(same, same[:, :1].expand_as(same))
    assert (same == 0).any() and (same == 2).any()
    fresh = sequence_dropout(0.5, variational=False).train()(x)
    assert not torch.equal(fresh, fresh[:, :1].expand_as(fresh))


def test_evaluation_mode_and_p_zero_change_nothing():
    x = torch.randn(2, 5, 3)
    assert VariationalDropout(0.4).eval()(x) is x
    assert VariationalDropout(0.0).train()(x) is x


def test_input_dropout_runs_the_layer_on_the_dropped_input():
    torch.manual_seed(2)
    layer = GRU(6, 4)
    wrapped = InputDropout(layer, VariationalDropout(0.5)).train()
    x = torch.randn(3, 8, 6)
    torch.manual_seed(3)
    outputs, state = wrapped(x)
    torch.manual_seed(3)
    expected, expected_state = layer(x * variational_mask(3, 6, 0.5))
    torch.testing.assert_close(outputs, expected)
    assert wrapped.input_size == 6 and wrapped.output_size == 4
    assert torch.equal(wrapped.hidden(state), layer.hidden(expected_state))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        VariationalDropout(1.0)
    with pytest.raises(ValueError, match=r"\(B, T, F\)"):
        VariationalDropout(0.2)(torch.ones(3, 4))


def test_tied_language_model_shares_one_matrix_and_saves_its_parameters():
    untied = CharLM(20, 16, 16, "lstm", num_layers=2, dropout=0.2, variational=True)
    tied = CharLM(20, 16, 16, "lstm", num_layers=2, dropout=0.2, variational=True,
                  tie_weights=True)
    assert tied.head.weight is tied.embed.weight
    count = lambda model: sum(p.numel() for p in model.parameters())  # noqa: E731
    assert count(untied) - count(tied) == 20 * 16
    logits, _ = tied(torch.randint(0, 20, (2, 7)))
    logits.sum().backward()
    assert tied.embed.weight.grad is not None
    with pytest.raises(ValueError, match="embedding_size == hidden_size"):
        CharLM(20, 16, 8, tie_weights=True)


def test_language_model_dropout_acts_in_training_only():
    torch.manual_seed(5)
    model = CharLM(20, 16, 8, "gru", num_layers=2, dropout=0.5)
    ids = torch.randint(0, 20, (2, 9))
    model.eval()
    assert torch.equal(model(ids)[0], model(ids)[0])
    model.train()
    assert not torch.equal(model(ids)[0], model(ids)[0])
