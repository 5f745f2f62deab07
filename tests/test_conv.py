"""companion.conv: causality, the receptive-field formula against a gradient probe, shapes, and
clear errors (chapter 6)."""
import pytest
import torch
from torch import nn

from companion.conv import (TCN, CausalConv1d, SmallCNN2d, blocks_to_see, measured_receptive_field,
                            receptive_field)


@pytest.mark.parametrize("kernel_size,dilation", [(1, 1), (2, 1), (3, 2), (2, 4)])
def test_causal_conv_is_the_formula_with_zeros_before_the_start(kernel_size, dilation):
    torch.manual_seed(0)
    layer = CausalConv1d(3, 4, kernel_size, dilation).double()
    x = torch.randn(2, 9, 3, dtype=torch.float64)
    y = layer(x)
    assert y.shape == (2, 9, 4)
    W, b = layer.conv.weight, layer.conv.bias  # (C_out, C_in, k); tap k-1 multiplies x_t
    for t in range(9):
        expected = b.clone()
        for k in range(kernel_size):
            source = t - (kernel_size - 1 - k) * dilation
            if source >= 0:
                expected = expected + x[:, source] @ W[:, :, k].T
        torch.testing.assert_close(y[:, t], expected)


@pytest.mark.parametrize("blocks,kernel_size", [(1, 2), (3, 2), (2, 3), (4, 2)])
def test_changing_an_input_never_changes_earlier_outputs(blocks, kernel_size):
    torch.manual_seed(1)
    tcn = TCN(3, 8, blocks, kernel_size).double()
    x = torch.randn(2, 40, 3, dtype=torch.float64)
    base, _ = tcn(x)
    for t in (0, 7, 25, 39):
        changed = x.clone()
        changed[:, t] += 5.0
        out, _ = tcn(changed)
        assert torch.equal(out[:, :t], base[:, :t]), f"output before {t} changed"
        assert not torch.allclose(out[:, t], base[:, t])


@pytest.mark.parametrize("blocks,kernel_size", [(1, 2), (2, 2), (3, 2), (2, 3), (5, 2)])
def test_receptive_field_formula_matches_the_gradient_probe(blocks, kernel_size):
    torch.manual_seed(2)
    tcn = TCN(2, 6, blocks, kernel_size).double()
    with torch.no_grad():  # positive weights: no gradient cancels to exactly zero by chance
        for p in tcn.parameters():
            p.copy_(p.abs() + 0.01)
    length = receptive_field(kernel_size, blocks) + 20
    assert measured_receptive_field(tcn, length, 2) == tcn.receptive_field == receptive_field(kernel_size, blocks)


def test_blocks_to_see_is_the_fewest_that_cover_the_length():
    for length in (1, 2, 3, 8, 64, 1000, 4096):
        blocks = blocks_to_see(length, 2)
        assert receptive_field(2, blocks) >= length
        assert blocks == 1 or receptive_field(2, blocks - 1) < length
    assert blocks_to_see(4096, 2) == 12  # 11 blocks see 4095 steps


def test_tcn_follows_the_recurrent_contract_and_small_cnn_shapes():
    tcn = TCN(4, 5, 2)
    outputs, last = tcn(torch.randn(3, 7, 4))
    assert outputs.shape == (3, 7, 5) and torch.equal(last, outputs[:, -1])
    cnn = SmallCNN2d(8, 12, 10)
    assert cnn(torch.randn(2, 8, 12)).shape == (2, 10)
    assert cnn.features(torch.randn(2, 8, 12)).shape == (2, cnn.feature_size)


def test_bad_input_raises_clear_value_error():
    tcn = TCN(4, 5, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, I\) = \(batch, time, 4\)"):
        tcn(torch.randn(3, 7, 2))
    with pytest.raises(ValueError, match="no recurrent state"):
        tcn(torch.randn(3, 7, 4), torch.zeros(3, 5))
    with pytest.raises(ValueError, match="dtype"):
        tcn(torch.randn(3, 7, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"images must have shape \(B, 8, 8\)"):
        SmallCNN2d(8, 8, 10)(torch.randn(2, 1, 8, 8))
    with pytest.raises(ValueError, match="divisible by 4"):
        SmallCNN2d(6, 8, 10)
    with pytest.raises(ValueError, match=">= 1"):
        CausalConv1d(2, 2, 0)
    with pytest.raises(ValueError, match=">= 1"):
        receptive_field(2, 0)
    assert isinstance(tcn.blocks[0].skip, nn.Linear) and isinstance(tcn.blocks[1].skip, nn.Identity)
