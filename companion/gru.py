"""Gated Recurrent Unit: the equations as a cell, and a fast layer with a hand-derived backward.

The cell (chapter :ref:`gru`) follows PyTorch's convention::

    r_t = sigmoid(x_t W_xr + h_{t-1} W_hr + b_r)                  reset gate     (B, H)
    z_t = sigmoid(x_t W_xz + h_{t-1} W_hz + b_z)                  update gate    (B, H)
    n_t = tanh(x_t W_xn + b_xn + r_t * (h_{t-1} W_hn + b_hn))     candidate      (B, H)
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}                         hidden state   (B, H)

with ``W_x*`` of shape ``(I, H)``, ``W_h*`` of shape ``(H, H)`` and biases of shape ``(H,)``. Cho
et al. (2014) swap the roles of ``z_t`` and ``1 - z_t`` (``h_t = z_t * n_t + (1 - z_t) * h_{t-1}``)
and apply the reset gate *before* the matrix product, ``(r_t * h_{t-1}) W_hn``; PyTorch (like
cuDNN) applies it after, so that all three ``h_{t-1} W_h*`` products are one matrix product.
:class:`GRU` runs the same parameters over a whole sequence with a backward pass written by hand
(:class:`GRUFunction`).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from companion.layer import RecurrentLayer
from companion.matmul import RepeatedProduct, matmul
from companion.padding import finish
from companion.stack import compose_like
from companion.validation import check_lengths, check_sequence, check_state, check_torch_layer


class GRUStep(NamedTuple):
    """Everything one GRU step computes, each of shape ``(B, H)``."""

    r: torch.Tensor  # reset gate
    z: torch.Tensor  # update gate
    n: torch.Tensor  # candidate hidden state
    h: torch.Tensor  # hidden state


GATES = ("r", "z", "n")  # the layer's column order, the same as torch.nn.GRU's


class GRUCell(nn.Module):
    """One GRU time step, written as the chapter's equations (PyTorch's convention).

    Args:
        input_size: ``I``, features per time step.
        hidden_size: ``H``, size of the hidden state.

    Parameters start uniform in ``[-1/sqrt(H), 1/sqrt(H)]``, as in ``torch.nn.GRU``.
    Chapter :ref:`gru`.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size}, {hidden_size}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        for gate in GATES:
            self.register_parameter(f"W_x{gate}", nn.Parameter(torch.empty(input_size, hidden_size)))
            self.register_parameter(f"W_h{gate}", nn.Parameter(torch.empty(hidden_size, hidden_size)))
        # The candidate keeps two biases: b_hn sits inside the reset gate's product, b_xn outside.
        for name in ("b_r", "b_z", "b_xn", "b_hn"):
            self.register_parameter(name, nn.Parameter(torch.empty(hidden_size)))
        bound = 1.0 / math.sqrt(hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def step(self, x_t: torch.Tensor, h_prev: torch.Tensor) -> GRUStep:
        """One step of the equations, keeping both gates and the candidate.

        Args:
            x_t: the input at step t, shape ``(B, I)``.
            h_prev: the previous hidden state, shape ``(B, H)``.

        Returns:
            A :class:`GRUStep` with ``r, z, n, h``, each of shape ``(B, H)``.
        """
        r_t = torch.sigmoid(x_t @ self.W_xr + h_prev @ self.W_hr + self.b_r)  # reset gate
        z_t = torch.sigmoid(x_t @ self.W_xz + h_prev @ self.W_hz + self.b_z)  # update gate
        n_t = torch.tanh(x_t @ self.W_xn + self.b_xn
                         + r_t * (h_prev @ self.W_hn + self.b_hn))            # candidate
        h_t = (1 - z_t) * n_t + z_t * h_prev             # keep h_prev where z_t is near 1
        return GRUStep(r_t, z_t, n_t, h_t)

    def forward(self, x_t: torch.Tensor, h_prev: torch.Tensor) -> torch.Tensor:
        """Compute the next hidden state ``h_t``, shape ``(B, H)``; see :meth:`step`."""
        return self.step(x_t, h_prev).h

    def stacked_weights(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The three blocks' parameters side by side, in the order :data:`GATES`.

        Returns:
            ``(W_x, W_h, b_x, b_hn)``: input weights ``(I, 3H)``, recurrent weights ``(H, 3H)``,
            the biases added outside the reset gate ``(3H,)`` (``b_r, b_z, b_xn``), and the
            candidate's recurrent bias ``(H,)``.
        """
        W_x = torch.cat([getattr(self, f"W_x{gate}") for gate in GATES], dim=1)
        W_h = torch.cat([getattr(self, f"W_h{gate}") for gate in GATES], dim=1)
        return W_x, W_h, torch.cat([self.b_r, self.b_z, self.b_xn]), self.b_hn

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}"


class GRUFunction(torch.autograd.Function):
    """The GRU over a whole sequence, with the backward pass derived by hand.

    Time-major inside: ``x`` ``(T, B, I)``; the three blocks of ``H`` columns are r, z, n.
    With ``a_*`` the pre-activations, ``m = h_{t-1} W_hn + b_hn`` and ``dh`` the total gradient
    reaching ``h_t`` (chapter :ref:`gru`)::

        da_n = dh * (1 - z) * (1 - n^2)             through h_t = (1 - z) n + z h_{t-1}
        da_z = dh * (h_{t-1} - n) * z (1 - z)
        da_r = da_n * m * r (1 - r),    dm = da_n * r
        dh_{t-1} = dh * z + [da_r, da_z, dm] W_h^T

    Every factor multiplying ``dh`` is known after the forward pass, so all steps' factors are
    computed at once before the loop, and the weight gradients are matrix products after it,
    all through :mod:`companion.matmul`.
    """

    @staticmethod
    def forward(ctx, x, h0, W_x, W_h, b_x, b_hn):
        """x ``(T, B, I)``, h0 ``(B, H)``, W_x ``(I, 3H)``, W_h ``(H, 3H)``, b_x ``(3H,)``,
        b_hn ``(H,)`` -> hidden states ``(T, B, H)`` and ``h_T`` ``(B, H)``."""
        T, B, _ = x.shape
        H = h0.shape[1]
        x_rows = x.reshape(T * B, -1)  # (a copy when x is a transposed view: made once, kept)
        x_proj = matmul(x_rows, W_x, bias=b_x).view(T, B, 3 * H)  # all steps at once
        # tanh(a) = 2 sigmoid(2a) - 1: on the CPU, tanh costs several sigmoids, so the
        # candidate's input part is doubled once here for all steps.
        x_n = x_proj[:, :, 2 * H:].mul(2)
        # What the recurrent product adds to: the r and z inputs, and b_hn in the n block, so
        # that one call gives [a_r, a_z, m] with m = h_{t-1} W_hn + b_hn.
        x_proj[:, :, 2 * H:] = b_hn
        recurrent = RepeatedProduct(W_h, B)
        rzs = x.new_empty(T, B, 2 * H)   # reset and update gates
        ns = x.new_empty(T, B, H)        # candidates
        hs = x.new_empty(T + 1, B, H)    # hidden states h_0..h_T
        hs[0] = h0
        minus_one = x.new_tensor(-1.0)
        pre_activations = []                        # [a_r, a_z, m] of every step: backward needs m
        # Every per-step view made once: indexing a tensor costs more than indexing a list.
        r_, z_ = (block.unbind(0) for block in rzs.split(H, dim=2))
        x_proj_, x_n_, rzs_, ns_, hs_ = (t.unbind(0) for t in (x_proj, x_n, rzs, ns, hs))
        for t in range(T):
            pre = recurrent.add(x_proj_[t], hs_[t])
            pre_activations.append(pre)
            torch.sigmoid(pre[:, :2 * H], out=rzs_[t])
            a_n = torch.addcmul(x_n_[t], r_[t], pre[:, 2 * H:], value=2)   # 2 (x W_xn + b_xn + r m)
            n = torch.sigmoid(a_n, out=ns_[t])
            torch.add(minus_one, n, alpha=2, out=n)                          # n = tanh(a_n)
            torch.lerp(n, hs_[t], z_[t], out=hs_[t + 1])                     # n + z (h_{t-1} - n)
        ms = torch.stack(pre_activations)[:, :, 2 * H:]
        ctx.save_for_backward(x_rows, W_x, W_h, rzs, ns, ms, hs)
        return hs[1:], hs[T].clone()

    @staticmethod
    def backward(ctx, d_hs, d_hT):
        """The gradients of all six inputs of :meth:`forward`, from those of its outputs."""
        x_rows, W_x, W_h, rzs, n, ms, hs = ctx.saved_tensors
        T, B, H = n.shape
        r, z = rzs.split(H, dim=2)  # each (T, B, H), like n and ms
        # Factors of dh for every step: [da_r, da_z, dm], the recurrent product's gradient (the
        # loop needs them, contiguous), and da_n, which can wait until every dh is known.
        keep = torch.sub(1, z)
        d_an_factor = torch.addcmul(keep, keep * n, n, value=-1)              # (1 - z)(1 - n^2)
        # Written where [da_r, da_z, dm] will be: the loop multiplies them by dh in place.
        d_recurrent = n.new_empty(T, B, 3 * H)
        factors = d_recurrent.view(T, B, 3, H)
        torch.addcmul(r, r, r, value=-1, out=factors[:, :, 0]).mul_(d_an_factor).mul_(ms)  # da_r
        torch.addcmul(z, z, z, value=-1, out=factors[:, :, 1]).mul_(hs[:T] - n)            # da_z
        torch.mul(d_an_factor, r, out=factors[:, :, 2])                                    # dm

        dh = d_hT + d_hs[T - 1]
        dhs = [dh]                              # dh_T .. dh_1, for da_n after the loop
        back = RepeatedProduct(W_h.t(), B)
        factors_, z_, d_recurrent_ = (t.unbind(0) for t in (factors, z, d_recurrent))
        for t in reversed(range(T)):
            factors_[t].mul_(dh.unsqueeze(1))
            through_z = torch.addcmul(d_hs[t - 1], dh, z_[t]) if t > 0 else dh * z_[t]
            dh = back.add(through_z, d_recurrent_[t])   # dh z + [da_r, da_z, dm] W_h^T
            dhs.append(dh)
        d_an = torch.stack(dhs[T - 1::-1]).mul_(d_an_factor)  # dhs[T - 1 - t] reached h_{t+1}
        d_recurrent = d_recurrent.view(T * B, 3 * H)
        d_x_proj = torch.cat([d_recurrent.view(T, B, 3 * H)[..., :2 * H], d_an], dim=2).view(T * B, 3 * H)
        d_x = matmul(d_x_proj, W_x.t()).view(T, B, -1) if ctx.needs_input_grad[0] else None
        d_W_x = matmul(x_rows.t(), d_x_proj)
        d_W_h = matmul(hs[:T].reshape(T * B, H).t(), d_recurrent)
        return d_x, dh, d_W_x, d_W_h, d_x_proj.sum(dim=0), d_recurrent[:, 2 * H:].sum(dim=0)


class GRU(RecurrentLayer):
    """A one-layer, batch-first GRU: :class:`GRUCell`'s parameters, run fast over a sequence.

    Args:
        input_size: ``I``, features per time step.
        hidden_size: ``H``, size of the hidden state.

    ``forward`` gives the same outputs and gradients as calling ``self.cell`` once per step
    (``tests/test_gru.py`` checks it) and as ``torch.nn.GRU`` with the weights copied by
    :meth:`from_torch`. Chapter :ref:`gru`.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__(input_size, hidden_size)
        self.cell = GRUCell(input_size, hidden_size)

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None,
                lengths: torch.Tensor | list[int] | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the GRU over a batch of sequences.

        Args:
            x: inputs, shape ``(B, T, I)``.
            state: ``h_0``, shape ``(B, H)``; zeros when ``None``.
            lengths: optional true length of each padded sequence, shape ``(B,)``: outputs
                after a sequence's end are zero and its state is the one at its last real step
                (:func:`companion.padding.finish`).

        Returns:
            ``(outputs, h_T)``: the hidden state at every step ``(B, T, H)`` and the last one
            ``(B, H)``.

        Raises:
            ValueError: if a shape, dtype or length does not match the ones above.
        """
        W_x, W_h, b_x, b_hn = self.cell.stacked_weights()
        check_sequence(x, self.input_size, W_x.dtype)
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        if state is None:
            state = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            check_state(state, x.shape[0], self.hidden_size, W_x.dtype, name="h_0")
        hs, h_T = GRUFunction.apply(x.transpose(0, 1), state, W_x, W_h, b_x, b_hn)
        outputs = hs.transpose(0, 1)  # (B, T, H)
        return finish(outputs, outputs, h_T, lengths)

    def trace(self, x: torch.Tensor, state: torch.Tensor | None = None) -> list[GRUStep]:
        """Run the readable cell step by step and keep everything it computes.

        Slower than :meth:`forward`, but it exposes the gates (for plots) and every step's
        ``h_t`` as a separate tensor (for measuring the gradient reaching each).

        Args:
            x: inputs, shape ``(B, T, I)``.
            state: ``h_0``, shape ``(B, H)``; zeros when ``None``.

        Returns:
            One :class:`GRUStep` per time step.
        """
        check_sequence(x, self.input_size, self.cell.W_xr.dtype)
        h = x.new_zeros(x.shape[0], self.hidden_size) if state is None else state
        steps = []
        for x_t in x.unbind(dim=1):
            steps.append(self.cell.step(x_t, h))
            h = steps[-1].h
        return steps

    @classmethod
    def from_torch(cls, module: nn.GRU) -> nn.Module:
        """Build the companion equivalent of a ``torch.nn.GRU``, weights copied.

        PyTorch stacks the three blocks in ``weight_ih_l0`` ``(3H, I)`` and ``weight_hh_l0``
        ``(3H, H)`` in the order reset, update, new (candidate), and computes
        ``x @ weight_ih_l0.T + h @ weight_hh_l0.T``. Block ``k``'s rows ``[kH, (k+1)H)``,
        transposed, are ``W_x*`` and ``W_h*``. The two biases of r and z add up; the candidate's
        stay apart, because ``bias_hh`` is inside the reset gate's product. Layer ``k`` and its
        reverse direction have the suffixes ``_lk`` and ``_lk_reverse``.

        Args:
            module: a ``torch.nn.GRU``, any ``num_layers``, ``bidirectional``, ``dropout`` and
                ``bias``.

        Returns:
            A :class:`GRU` for one layer in one direction, otherwise a
            :class:`~companion.stack.Stacked` of layers (each a
            :class:`~companion.stack.Bidirectional` when ``bidirectional``), with the same
            dtype, device, outputs and gradients as ``module``.

        Raises:
            ValueError: if ``module`` is not a ``torch.nn.GRU``.
        """
        check_torch_layer(module, nn.GRU)
        return compose_like(module, lambda input_size, suffix: cls._one_from_torch(
            module, input_size, suffix))

    @classmethod
    def _one_from_torch(cls, module: nn.GRU, input_size: int, suffix: str) -> "GRU":
        """One layer in one direction of ``module``: the weights named ``*_{suffix}``."""
        w_ih, w_hh = getattr(module, f"weight_ih_{suffix}"), getattr(module, f"weight_hh_{suffix}")
        layer = cls(input_size, module.hidden_size).to(w_ih.device, w_ih.dtype)
        cell, H = layer.cell, module.hidden_size
        blocks = {gate: slice(k * H, (k + 1) * H) for k, gate in enumerate(GATES)}
        with torch.no_grad():
            for gate, rows in blocks.items():
                getattr(cell, f"W_x{gate}").copy_(w_ih[rows].T)
                getattr(cell, f"W_h{gate}").copy_(w_hh[rows].T)
            if module.bias:
                b_ih = getattr(module, f"bias_ih_{suffix}")
                b_hh = getattr(module, f"bias_hh_{suffix}")
                cell.b_r.copy_(b_ih[blocks["r"]] + b_hh[blocks["r"]])
                cell.b_z.copy_(b_ih[blocks["z"]] + b_hh[blocks["z"]])
                cell.b_xn.copy_(b_ih[blocks["n"]])
                cell.b_hn.copy_(b_hh[blocks["n"]])
            else:  # no bias in PyTorch: zero biases that training leaves at zero
                for name in ("b_r", "b_z", "b_xn", "b_hn"):
                    getattr(cell, name).zero_()
                    getattr(cell, name).requires_grad_(False)
        return layer
