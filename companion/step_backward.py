"""The backward pass of one LSTM step and one GRU step, written as the equations.

This is the teaching version of the gradients that :class:`companion.lstm_function.LSTMFunction` and
:class:`companion.gru.GRUFunction` compute for a whole sequence at once: one function per step, in
the style of CS231n's ``lstm_cell_backward``, with one line per term of the derivation
(chapters :ref:`lstm` and :ref:`gru`). A step's backward recomputes the step's forward (what a
CS231n ``cache`` would hold), then goes back through it. Chaining the steps in reverse, each
one's ``h_prev`` (and ``C_prev``) gradient added to what the loss sends the step before, is
backpropagation through time.
"""
from __future__ import annotations

import torch

from companion.gru import GRUCell
from companion.lstm import LSTMCell


@torch.no_grad()
def lstm_cell_backward(dh: torch.Tensor, dC: torch.Tensor, x_t: torch.Tensor, h_prev: torch.Tensor,
                       C_prev: torch.Tensor, cell: LSTMCell) -> dict[str, torch.Tensor]:
    """Gradients of one :class:`~companion.lstm.LSTMCell` step.

    Args:
        dh: gradient reaching the step's output ``h_t``, ``(B, H)``.
        dC: gradient reaching its cell state ``C_t`` from later steps, ``(B, H)``.
        x_t: the step's input, ``(B, I)``.
        h_prev: ``h_{t-1}``, ``(B, H)``.
        C_prev: ``C_{t-1}``, ``(B, H)``.
        cell: the cell, whose parameters ``W_f .. b_o`` the gradients are for.

    Returns:
        ``{"x_t", "h_prev", "C_prev"}`` (shaped as those inputs) and one entry per parameter of
        the cell (``"W_f"`` ``(H + I, H)``, ``"b_f"`` ``(H,)``, ...).
    """
    s = cell.step(x_t, (h_prev, C_prev))
    tanh_C = torch.tanh(s.C)
    dC = dC + dh * s.o * (1 - tanh_C ** 2)               # h_t = o_t * tanh(C_t)
    d_pre = {                                             # gradients of the four pre-activations
        "o": dh * tanh_C * s.o * (1 - s.o),
        "f": dC * C_prev * s.f * (1 - s.f),                # C_t = f_t * C_{t-1} + i_t * C~_t
        "i": dC * s.C_tilde * s.i * (1 - s.i),
        "C": dC * s.i * (1 - s.C_tilde ** 2),
    }
    hx = torch.cat([h_prev, x_t], dim=1)                  # every gate reads [h_{t-1}, x_t]
    grads, d_hx = {}, torch.zeros_like(hx)
    for gate, da in d_pre.items():
        grads[f"W_{gate}"] = hx.T @ da                    # summed over the batch
        grads[f"b_{gate}"] = da.sum(dim=0)
        d_hx += da @ getattr(cell, f"W_{gate}").T
    H = cell.hidden_size
    grads["h_prev"], grads["x_t"] = d_hx[:, :H], d_hx[:, H:]
    grads["C_prev"] = dC * s.f
    return grads


@torch.no_grad()
def gru_cell_backward(dh: torch.Tensor, x_t: torch.Tensor, h_prev: torch.Tensor,
                      cell: GRUCell) -> dict[str, torch.Tensor]:
    """Gradients of one :class:`~companion.gru.GRUCell` step (PyTorch's convention).

    Args:
        dh: total gradient reaching the step's output ``h_t``, ``(B, H)``.
        x_t: the step's input, ``(B, I)``.
        h_prev: ``h_{t-1}``, ``(B, H)``.
        cell: the cell, whose parameters ``W_xr .. b_hn`` the gradients are for.

    Returns:
        ``{"x_t", "h_prev"}`` and one entry per parameter of the cell (``"W_xr"`` ``(I, H)``,
        ``"W_hr"`` ``(H, H)``, ``"b_r"`` ``(H,)``, ...).
    """
    s = cell.step(x_t, h_prev)
    recurrent_n = h_prev @ cell.W_hn + cell.b_hn          # the part of n_t that r_t scales
    d_n = dh * (1 - s.z)                                  # h_t = (1 - z_t) * n_t + z_t * h_{t-1}
    d_z = dh * (h_prev - s.n)
    d_h_prev = dh * s.z
    d_pre_n = d_n * (1 - s.n ** 2)                        # n_t = tanh(x W_xn + b_xn + r_t * (...))
    d_r = d_pre_n * recurrent_n
    d_recurrent_n = d_pre_n * s.r
    d_pre_r = d_r * s.r * (1 - s.r)
    d_pre_z = d_z * s.z * (1 - s.z)
    grads = {
        "W_xr": x_t.T @ d_pre_r, "W_hr": h_prev.T @ d_pre_r, "b_r": d_pre_r.sum(dim=0),
        "W_xz": x_t.T @ d_pre_z, "W_hz": h_prev.T @ d_pre_z, "b_z": d_pre_z.sum(dim=0),
        "W_xn": x_t.T @ d_pre_n, "b_xn": d_pre_n.sum(dim=0),
        "W_hn": h_prev.T @ d_recurrent_n, "b_hn": d_recurrent_n.sum(dim=0),
    }
    grads["x_t"] = d_pre_r @ cell.W_xr.T + d_pre_z @ cell.W_xz.T + d_pre_n @ cell.W_xn.T
    grads["h_prev"] = (d_h_prev + d_pre_r @ cell.W_hr.T + d_pre_z @ cell.W_hz.T
                       + d_recurrent_n @ cell.W_hn.T)
    return grads
