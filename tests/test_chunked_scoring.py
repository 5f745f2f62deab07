"""companion.applications.chunked_scoring: the same numbers as reading the text at once."""
import numpy as np
import pytest
import torch

from companion.applications import charlm
from companion.applications.chunked_scoring import log2_probabilities_in_chunks


@pytest.mark.parametrize("layer, layers", [("gru", 2), ("lstm", 1)])
def test_chunks_with_the_state_carried_give_the_whole_text_scores(layer, layers):
    torch.manual_seed(0)
    model = charlm.CharLM(11, 16, 8, layer, num_layers=layers)
    ids = np.random.default_rng(0).integers(0, 11, size=1000)
    whole = charlm.log2_probabilities(model, ids, streams=4, warmup=10)
    for chunk in (1, 37, 256, 5000):
        chunked = log2_probabilities_in_chunks(model, ids, streams=4, warmup=10, chunk=chunk)
        np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="chunk"):
        log2_probabilities_in_chunks(model, ids, chunk=0)
