"""companion.applications.anomaly: residuals, z-scores and scores against direct computations."""
import numpy as np
import pytest
import torch

from companion.applications import anomaly as an


def test_chunk_batches_pair_each_value_with_the_next():
    series = np.arange(100.0)
    inputs, targets = an.chunk_batches(series, length=10, batch_size=4, seed=0)(0)
    assert inputs.shape == targets.shape == (4, 10, 1)
    torch.testing.assert_close(targets, inputs + 1)
    with pytest.raises(ValueError, match="longer"):
        an.chunk_batches(series[:5], length=10, batch_size=2)


def test_squared_residuals_are_the_model_run_step_by_step():
    torch.manual_seed(0)
    model = an.next_value_model(hidden_size=5)
    series = np.sin(np.arange(60) / 3.0)
    residuals = an.squared_residuals(model, series, warm_up=4)
    layer, head = model.rnn, model.head
    state, expected = None, np.zeros(60)
    with torch.no_grad():
        for t in range(59):
            out, state = layer(torch.tensor([[[series[t]]]], dtype=torch.float32), state)
            expected[t + 1] = (series[t + 1] - head(out)[0, 0, 0].item()) ** 2
    expected[:4] = 0
    np.testing.assert_allclose(residuals, expected, rtol=1e-5, atol=1e-7)


def test_rolling_zscore_against_a_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    scores = an.rolling_zscore(x, 8)
    for t in range(8, 50):
        window = x[t - 8:t]
        assert scores[t] == pytest.approx(abs(x[t] - window.mean()) / (window.std() + 1e-8))
    assert (scores[:8] == 0).all()
    with pytest.raises(ValueError, match="window"):
        an.rolling_zscore(x, 1)


def test_moving_average_is_centred():
    np.testing.assert_allclose(an.moving_average(np.array([0, 0, 3.0, 0, 0]), 3),
                               [0, 1, 1, 1, 0])
    with pytest.raises(ValueError, match="width"):
        an.moving_average(np.ones(3), 0)


def test_precision_recall_f1_known_answers():
    labels = np.array([0, 1, 1, 1, 0, 0])
    flags = np.array([1, 1, 1, 0, 0, 0], dtype=bool)
    precision, recall, f1 = an.precision_recall_f1(flags, labels)
    assert (precision, recall) == (2 / 3, 2 / 3) and f1 == pytest.approx(2 / 3)
    assert an.precision_recall_f1(np.zeros(6, bool), labels) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="same shape"):
        an.precision_recall_f1(flags[:3], labels)


def test_hits_anomaly_uses_the_slack():
    labels = np.zeros(1000, dtype=int)
    labels[500:510] = 1
    scores = np.zeros(1000)
    scores[650] = 1.0
    assert not an.hits_anomaly(scores, labels, slack=100)
    assert an.hits_anomaly(scores, labels, slack=141)
    with pytest.raises(ValueError, match="no anomaly"):
        an.hits_anomaly(scores, np.zeros(1000))


def test_a_trained_forecaster_is_surprised_by_a_broken_rhythm():
    torch.manual_seed(0)
    series = np.sin(2 * np.pi * np.arange(3000) / 20)
    model = an.next_value_model(hidden_size=8)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches, loss = an.chunk_batches(series, 60, 16, seed=0), an.next_value_loss(20)
    for step in range(150):
        optimiser.zero_grad()
        loss(model, batches(step)).backward()
        optimiser.step()
    broken = series[:400].copy()
    broken[200:220] = 0.0  # a missing beat
    residuals = an.squared_residuals(model, broken, warm_up=20)
    assert residuals[200:225].max() > 10 * residuals[40:190].max()
