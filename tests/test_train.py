"""companion.train: the training loop is seeded, clips what it says, and truncated BPTT cuts
exactly the gradient paths longer than k (chapter 2)."""
import math

import pytest
import torch
from torch import nn

from companion.gru import GRU
from companion.lstm import LSTM
from companion.rnn import RNN
from companion.stack import Stacked
from companion.progress import show_progress_default
from companion.train import batches_from, fit, forward_truncated, seed_everything


def _regression(seed=0, n=256):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.25
    return x, y


def mse(model, batch):
    x, y = batch
    return ((model(x) - y) ** 2).mean()


def _train_once(seed=0, steps=30, **kwargs):
    seed_everything(seed)
    model = nn.Linear(3, 1)
    history = fit(model, mse, batches_from(_regression(), 32, seed=seed), steps, lr=0.05,
                  progress=False, **kwargs)
    return model, history


def test_fit_learns_a_known_linear_map():
    model, history = _train_once(steps=400)
    assert history.loss[-1] < 1e-4 and len(history.loss) == len(history.grad_norm) == 400
    torch.testing.assert_close(model.weight.detach(), torch.tensor([[1.5, -2.0, 0.5]]), atol=1e-2, rtol=0)


def test_fit_is_deterministic_for_a_fixed_seed():
    _, first = _train_once(seed=3)
    _, again = _train_once(seed=3)
    _, other = _train_once(seed=4)
    assert first.loss == again.loss and first.grad_norm == again.grad_norm
    assert first.loss != other.loss


def test_grad_norm_is_measured_before_clipping_and_clipping_bounds_the_step():
    x, y = _regression()
    seed_everything(0)
    model = nn.Linear(3, 1)
    before = [p.detach().clone() for p in model.parameters()]
    model.zero_grad()
    mse(model, (x, y)).backward()
    expected_norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()))
    history = fit(model, mse, lambda step: (x, y), steps=1, lr=1.0, clip_norm=0.1,
                  optimizer="sgd", progress=False)
    assert history.grad_norm[0] == pytest.approx(expected_norm, rel=1e-5)
    assert expected_norm > 0.1  # so the clip really acted
    moved = math.sqrt(sum(float(((p.detach() - b) ** 2).sum())
                          for p, b in zip(model.parameters(), before)))
    assert moved == pytest.approx(0.1, rel=1e-4)  # SGD with lr=1 moves by the clipped gradient


def test_fit_stops_when_the_loss_diverges():
    model = nn.Linear(3, 1)
    history = fit(model, lambda m, b: m(b[0]).sum() * float("nan"), lambda s: _regression(), 10,
                  progress=False)
    assert history.diverged and len(history.loss) == 1 and math.isnan(history.loss[0])


def test_batches_from_visits_every_row_once_per_epoch():
    rows = torch.arange(10)
    batch = batches_from((rows, rows * 2), batch_size=3, seed=0)  # 3 batches per epoch
    epoch0 = torch.cat([batch(s)[0] for s in range(3)])
    assert len(set(epoch0.tolist())) == 9
    first, second = batch(0), batch(0)
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], first[0] * 2)
    assert not torch.equal(torch.cat([batch(s)[0] for s in range(3, 6)]), epoch0)
    with pytest.raises(ValueError, match="batch_size"):
        batches_from((rows,), 11, seed=0)
    with pytest.raises(ValueError, match="first dimension"):
        batches_from((rows, rows[:5]), 2, seed=0)


def test_fit_rejects_unknown_optimizer():
    with pytest.raises(ValueError, match="optimizer"):
        fit(nn.Linear(1, 1), mse, lambda s: None, 1, optimizer="rmsprop")


@pytest.mark.parametrize("make_layer", [
    lambda: RNN(2, 4), lambda: LSTM(2, 4), lambda: Stacked([LSTM(2, 4), GRU(4, 4)])])
def test_forward_truncated_keeps_values_and_cuts_long_gradient_paths(make_layer):
    """With any layer's state: a tensor, an LSTM's (h, C), a stack's tuple of both."""
    torch.manual_seed(0)
    layer = make_layer()
    x = torch.randn(3, 10, 2, requires_grad=True)
    full, state_full = layer(x)
    cut, state_cut = forward_truncated(layer, x, k=4)
    torch.testing.assert_close(cut, full)
    torch.testing.assert_close(state_cut, state_full)

    def input_gradient(outputs, t):
        (grad,) = torch.autograd.grad(outputs[:, t].sum(), x, retain_graph=True)
        return grad.abs().sum(dim=(0, 2))  # (T,): how much each input step reaches output t

    reach = input_gradient(cut, 9)  # step 9 lies in the chunk 8..9
    assert (reach[:8] == 0).all() and (reach[8:] > 0).all()
    reach = input_gradient(cut, 6)  # chunk 4..7
    assert (reach[:4] == 0).all() and (reach[4:7] > 0).all() and (reach[7:] == 0).all()
    whole, _ = forward_truncated(layer, x, k=10)
    torch.testing.assert_close(input_gradient(whole, 9), input_gradient(full, 9))
    with pytest.raises(ValueError, match="k must be"):
        forward_truncated(layer, x, k=0)


def test_progress_default_follows_the_environment(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("COMPANION_PROGRESS", raising=False)
    assert show_progress_default()
    monkeypatch.setenv("COMPANION_PROGRESS", "0")
    assert not show_progress_default()
    monkeypatch.delenv("COMPANION_PROGRESS")
    monkeypatch.setenv("CI", "true")
    assert not show_progress_default()


def test_train_on_adding_scores_on_the_documented_test_set():
    from companion.data.memory_tasks import adding_problem
    from companion.rnn_types import ManyToOne
    from companion.data.memory_tasks import train_on_adding

    seed_everything(0)
    model = ManyToOne(2, 4, 1)
    history, test_mse = train_on_adding(model, length=6, steps=3, lr=0.01, test_size=50)
    x, y = adding_problem(50, 6, seed=0)
    with torch.no_grad():
        assert test_mse == pytest.approx(((model(x) - y) ** 2).mean().item(), rel=1e-6)
    seed_everything(0)
    again, again_mse = train_on_adding(ManyToOne(2, 4, 1), length=6, steps=3, lr=0.01, test_size=50)
    assert again.loss == history.loss and again_mse == test_mse


def test_fit_stops_when_told_and_says_so():
    seen = []

    def stop(steps_done, model):
        seen.append((steps_done, model.training))
        return steps_done == 7

    _, history = _train_once(steps=30, stop=stop)
    assert history.stopped_early and len(history.loss) == len(history.grad_norm) == 7
    assert seen == [(k, False) for k in range(1, 8)]  # called after every step, in eval mode
    _, full = _train_once(steps=30, stop=lambda steps_done, model: False)
    assert not full.stopped_early and len(full.loss) == 30


def test_train_on_adding_stops_at_the_validation_target():
    from companion.data.memory_tasks import adding_problem
    from companion.rnn_types import ManyToOne
    from companion.data.memory_tasks import train_on_adding

    x_val, y_val = adding_problem(500, 6, seed=1)
    seed_everything(0)
    model = ManyToOne(2, 4, 1)
    with torch.no_grad():
        start = ((model(x_val) - y_val) ** 2).mean().item()
    # a target the untrained model already meets: stop at the first check
    history, _ = train_on_adding(model, length=6, steps=50, lr=0.01, test_size=50,
                                 stop_below=start + 1.0, check_every=5)
    assert history.stopped_early and len(history.loss) == 5
    seed_everything(0)
    history, _ = train_on_adding(ManyToOne(2, 4, 1), length=6, steps=12, lr=0.01, test_size=50,
                                 stop_below=0.0, check_every=5)
    assert not history.stopped_early and len(history.loss) == 12


def test_train_classifier_fits_a_separable_problem_and_accuracy_counts_right():
    from companion.train import accuracy, train_classifier

    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    seed_everything(0)
    model = nn.Linear(2, 2)
    history = train_classifier(model, x, y, steps=200, lr=0.05, batch_size=500)  # batch capped at N
    assert len(history.loss) == 200 and accuracy(model, x, y) > 0.97
    constant = nn.Linear(2, 2)
    with torch.no_grad():
        constant.weight.zero_()
        constant.bias.copy_(torch.tensor([1.0, 0.0]))  # always class 0
    assert accuracy(constant, x, y) == pytest.approx((y == 0).float().mean().item())
