"""Convolutional sequence models: a causal dilated 1-D CNN (TCN-style) and a small 2-D CNN.

Chapter :ref:`cnn-vs-rnn` runs them against recurrent models on the same tasks.

- :class:`CausalConv1d`: a 1-D convolution whose output at step ``t`` sees only inputs at steps
  ``<= t`` (left padding of ``(k - 1) * dilation`` zeros), batch-first ``(B, T, C)``.
- :class:`TCN`: residual blocks of two causal convolutions each, dilation doubling per block
  (1, 2, 4, ...), in the style of Bai et al. (2018). Its receptive field,
  :func:`receptive_field`, grows exponentially with depth; :func:`measured_receptive_field`
  finds it empirically from gradients.
- :class:`SmallCNN2d`: two 3x3 convolutions and a linear read-out, for images ``(B, H, W)``.

:class:`TCN` follows the recurrent layers' contract, ``forward(x) -> (outputs, last)`` with
outputs ``(B, T, H)`` and ``last = outputs[:, -1]``, so it drops into
:class:`companion.rnn_types.ManyToOne`.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from companion.layer import SequenceLayer
from companion.padding import finish
from companion.validation import check_lengths, check_sequence


class CausalConv1d(nn.Module):
    """``y_t = b + sum_k x_{t - k * dilation} W_k`` for ``k = 0 .. kernel_size - 1``, zeros before
    the start: a convolution that never looks ahead.

    Args:
        in_channels, out_channels: ``C_in`` and ``C_out``.
        kernel_size: ``k``, taps per output.
        dilation: spacing of the taps.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int = 1):
        super().__init__()
        if kernel_size < 1 or dilation < 1:
            raise ValueError(f"kernel_size and dilation must be >= 1, got {kernel_size}, {dilation}")
        self.left_padding = (kernel_size - 1) * dilation
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, T, C_in)`` -> ``(B, T, C_out)``."""
        x = F.pad(x.transpose(1, 2), (self.left_padding, 0))  # zeros before the first step
        return self.conv(x).transpose(1, 2)


class TemporalBlock(nn.Module):
    """Two causal convolutions with ReLU, plus a residual connection (1x1 if the sizes differ)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int):
        super().__init__()
        self.conv1 = CausalConv1d(in_channels, out_channels, kernel_size, dilation)
        self.conv2 = CausalConv1d(out_channels, out_channels, kernel_size, dilation)
        self.skip = nn.Linear(in_channels, out_channels) if in_channels != out_channels else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, C_in)`` -> ``(B, T, C_out)``."""
        y = torch.relu(self.conv1(x))
        y = torch.relu(self.conv2(y))
        return torch.relu(y + self.skip(x))


def receptive_field(kernel_size: int, num_blocks: int, convs_per_block: int = 2) -> int:
    """How many input steps one output of a :class:`TCN` can see (its own step included).

    Block ``i`` has dilation ``2**i`` and each of its convolutions reaches ``(k - 1) * 2**i``
    steps further back, so the total is ``1 + convs_per_block * (k - 1) * (2**num_blocks - 1)``.
    """
    if kernel_size < 1 or num_blocks < 1:
        raise ValueError(f"kernel_size and num_blocks must be >= 1, got {kernel_size}, {num_blocks}")
    return 1 + convs_per_block * (kernel_size - 1) * (2 ** num_blocks - 1)


def blocks_to_see(length: int, kernel_size: int) -> int:
    """The fewest :class:`TCN` blocks whose receptive field covers ``length`` steps."""
    blocks = 1
    while receptive_field(kernel_size, blocks) < length:
        blocks += 1
    return blocks


class TCN(SequenceLayer):
    """A temporal convolutional network: causal dilated residual blocks, batch-first.

    Args:
        input_size: ``I``, features per step.
        hidden_size: ``H``, channels of every block.
        num_blocks: blocks, with dilations 1, 2, 4, ..., ``2**(num_blocks - 1)``.
        kernel_size: ``k`` of every convolution.
    """

    def __init__(self, input_size: int, hidden_size: int, num_blocks: int = 3, kernel_size: int = 2):
        if input_size < 1 or hidden_size < 1 or num_blocks < 1:
            raise ValueError(f"input_size, hidden_size and num_blocks must be >= 1, got "
                             f"{input_size}, {hidden_size}, {num_blocks}")
        super().__init__(input_size, hidden_size)
        self.hidden_size = hidden_size
        self.kernel_size, self.num_blocks = kernel_size, num_blocks
        sizes = [input_size] + [hidden_size] * num_blocks
        self.blocks = nn.Sequential(*[TemporalBlock(sizes[i], sizes[i + 1], kernel_size, 2 ** i)
                                      for i in range(num_blocks)])

    @property
    def receptive_field(self) -> int:
        """Input steps each output sees; see :func:`receptive_field`."""
        return receptive_field(self.kernel_size, self.num_blocks)

    def forward(self, x: torch.Tensor, state: None = None,
                lengths: torch.Tensor | list[int] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Run over ``x`` ``(B, T, I)``.

        Args:
            x: inputs ``(B, T, I)``.
            state: must be ``None``: a TCN has no recurrent state to pass in.
            lengths: optional true length of each padded sequence, ``(B,)``; the causal
                convolutions never look ahead, so only the padding's outputs need zeroing.

        Returns:
            ``(outputs, last)``: ``(B, T, H)`` and the last (real) step's output ``(B, H)``,
            like a recurrent layer's ``(outputs, h_T)``.

        Raises:
            ValueError: if ``x`` is not ``(B, T, I)`` of the parameters' dtype, a length is out
                of range, or a state is given.
        """
        if state is not None:
            raise ValueError("a TCN has no recurrent state; call it as tcn(x)")
        check_sequence(x, self.input_size, next(self.parameters()).dtype)
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        outputs = self.blocks(x)
        return finish(outputs, outputs, outputs[:, -1], lengths)


def measured_receptive_field(layer: nn.Module, length: int, input_size: int) -> int:
    """The receptive field found empirically: how many input steps move the last output.

    Differentiates the last step's outputs with respect to a random input of ``length`` steps
    and counts the steps, back from the last, whose gradient is not exactly zero.
    """
    x = torch.randn(1, length, input_size, dtype=next(layer.parameters()).dtype, requires_grad=True)
    outputs = layer(x)[0]
    (grad,) = torch.autograd.grad(outputs[:, -1].sum(), x)
    reached = torch.nonzero(grad[0].abs().sum(dim=1) > 0).flatten()
    return length - int(reached.min()) if len(reached) else 0


class SmallCNN2d(nn.Module):
    """A small image classifier: two 3x3 convolutions (ReLU, 2x2 max-pooling) and a linear layer.

    Args:
        height, width: image size (each divisible by 4).
        classes: number of outputs.
        channels: channels of the two convolutions.
    """

    def __init__(self, height: int, width: int, classes: int, channels: tuple[int, int] = (16, 32)):
        super().__init__()
        if height % 4 or width % 4:
            raise ValueError(f"height and width must be divisible by 4, got {height}x{width}")
        self.height, self.width = height, width
        self.conv1 = nn.Conv2d(1, channels[0], 3, padding=1)
        self.conv2 = nn.Conv2d(channels[0], channels[1], 3, padding=1)
        self.feature_size = channels[1] * (height // 4) * (width // 4)
        self.head = nn.Linear(self.feature_size, classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """``(B, height, width)`` -> ``(B, feature_size)``."""
        if images.dim() != 3 or tuple(images.shape[1:]) != (self.height, self.width):
            raise ValueError(f"images must have shape (B, {self.height}, {self.width}), "
                             f"got {tuple(images.shape)}")
        y = F.max_pool2d(torch.relu(self.conv1(images.unsqueeze(1))), 2)
        y = F.max_pool2d(torch.relu(self.conv2(y)), 2)
        return y.flatten(1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """``(B, height, width)`` -> logits ``(B, classes)``."""
        return self.head(self.features(images))
