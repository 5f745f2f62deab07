"""The fast path of :class:`companion.lstm.LSTM`: the whole sequence in one autograd Function.

:class:`LSTMFunction` runs the cell's equations over all ``T`` steps with a backward pass derived
by hand (chapter :ref:`lstm`, "Making it fast"). Its inputs and outputs are time-major,
``(T, B, ...)``, with the four gates' parameters side by side in the order i, f, C~, o (the
order of :data:`companion.lstm.GATES`, and of ``torch.nn.LSTM``).

Inside, a step's states are held in one of two layouts, chosen by the size of the layer:

- **columns**, ``(H, B)``, for small layers (``W_h`` under
  :data:`companion.matmul.MIN_ONEDNN_WEIGHT` entries), where every step costs a fixed amount per
  operation more than it costs arithmetic: a step's pre-activations are
  ``W_h^T h_{t-1} + x_proj_t``, shape ``(4H, B)``, so each gate is a contiguous block of rows,
  every elementwise operation of the step reads and writes contiguous memory, and the product
  adds into the projection in place.
- **rows**, ``(B, H)``, for larger ones, where the matrix products dominate: the pre-activations
  are ``h_{t-1} W_h + x_proj_t``, shape ``(B, 4H)``, the layout in which
  :class:`companion.matmul.RepeatedProduct` (oneDNN's packed products or ``torch.mm``) is fastest.

The arithmetic is the same in both; only the transposes differ.
"""
from __future__ import annotations

import torch

from companion.matmul import MIN_ONEDNN_WEIGHT, RepeatedProduct, matmul


def _candidate_doubled(W_x: torch.Tensor, W_h: torch.Tensor, b: torch.Tensor, H: int):
    """Copies of ``W_x, W_h, b`` with the candidate's columns ``[2H, 3H)`` doubled."""
    doubled = [W.clone() for W in (W_x, W_h, b)]
    for W in doubled:
        W[..., 2 * H:3 * H] *= 2
    return doubled


class LSTMFunction(torch.autograd.Function):
    """The LSTM over a whole sequence, with the backward pass derived by hand.

    Inputs are time-major: ``x`` ``(T, B, I)``, and the four blocks of ``H`` columns of the
    pre-activations are ordered i, f, C~, o. Derivation (chapter :ref:`lstm`), with ``dh`` and
    ``dC`` the total gradients reaching ``h_t`` and ``C_t``::

        dC  += dh * o * (1 - tanh(C_t)^2)            through h_t = o * tanh(C_t)
        da_i = dC * C~ * i (1 - i)                    through C_t = f C_{t-1} + i C~
        da_f = dC * C_{t-1} * f (1 - f)
        da_C = dC * i * (1 - C~^2)
        da_o = dh * tanh(C_t) * o (1 - o)
        dC_{t-1} = dC * f,   dh_{t-1} = da W_h^T

    Every factor that multiplies ``dC`` or ``dh`` depends only on the forward pass, so it is
    computed for all steps at once before the loop; the loop keeps only what the recurrence
    needs, and the weight and input gradients are three matrix products over all steps after it.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, W_x, W_h, b):
        """x ``(T, B, I)``, h0 and c0 ``(B, H)``, W_x ``(I, 4H)``, W_h ``(H, 4H)``, b ``(4H,)``
        -> hidden states ``(T, B, H)``, ``h_T`` and ``C_T`` ``(B, H)``, cell states ``(T, B, H)``."""
        ctx.set_materialize_grads(False)  # the cell states' gradient is None unless they are used
        T, B, _ = x.shape
        H = h0.shape[1]
        # On the CPU, tanh costs more than sigmoid, so every tanh here is tanh(z) = 2 sigmoid(2z) - 1.
        # Doubling is exact, so the candidate's columns of W_h and of the input projection are
        # doubled once, and the layer carries 2 C_t instead of C_t.
        W_x2, W_h2, b2 = _candidate_doubled(W_x, W_h, b, H)
        x_rows = x.reshape(T * B, -1)  # (a copy when x is a transposed view: made once, kept)
        columns = ctx.columns = W_h.numel() < MIN_ONEDNN_WEIGHT
        if columns:  # (T, 4H, B): W_x^T x_t^T + b for every step
            x_proj = torch.baddbmm(b2[:, None].expand(T, 4 * H, B), W_x2.t().expand(T, -1, -1),
                                   x.transpose(1, 2))
            W_h2_t = W_h2.t().contiguous()
            h0, c0 = h0.t(), c0.t()

            def recurrent(pre, h):
                return pre.addmm_(W_h2_t, h)  # pre + W_h^T h, in place
        else:  # (T, B, 4H)
            x_proj = matmul(x_rows, W_x2, bias=b2).view(T, B, 4 * H)
            recurrent = RepeatedProduct(W_h2, B).add  # pre + h W_h, a new tensor
        gate_dim = 1 if columns else 2

        def per_step(steps):  # a buffer of one state per step, in the layout
            return x.new_empty(steps, H, B) if columns else x.new_empty(steps, B, H)
        # Step t's projection is read once, by step t, so its activations overwrite it: one
        # buffer instead of two, and on the CPU every fresh page costs a fault.
        acts = x_proj               # i, f, C~, o after their nonlinearities
        cs = per_step(T + 1)        # 2 C_0 .. 2 C_T, halved after the loop
        tanh_cs = per_step(T)
        hs = per_step(T + 1)        # hidden states h_0..h_T
        minus_one = x.new_tensor(-1.0)
        # Every per-step view made once: indexing a tensor costs more than indexing a list.
        i_, f_, g_, o_ = (block.unbind(0) for block in acts.split(H, dim=gate_dim))
        x_proj_, cs_, tanh_cs_, hs_ = (t.unbind(0) for t in (x_proj, cs, tanh_cs, hs))
        torch.mul(c0, 2, out=cs_[0])
        hs_[0].copy_(h0)
        for t in range(T):
            torch.sigmoid(recurrent(x_proj_[t], hs_[t]), out=x_proj_[t])  # all four blocks
            torch.add(minus_one, g_[t], alpha=2, out=g_[t])                 # C~ = 2 s - 1
            torch.mul(f_[t], cs_[t], out=cs_[t + 1]).addcmul_(i_[t], g_[t], value=2)  # 2 (f C + i C~)
            tanh_c = torch.sigmoid(cs_[t + 1], out=tanh_cs_[t])
            torch.add(minus_one, tanh_c, alpha=2, out=tanh_c)               # tanh(C_t)
            torch.mul(o_[t], tanh_c, out=hs_[t + 1])
        cs.mul_(0.5)
        ctx.save_for_backward(x_rows, W_x, W_h, acts, cs, tanh_cs, hs)
        if columns:  # back to (T, B, H) and (B, H): views, no copies
            return hs[1:].transpose(1, 2), hs[T].t().clone(), cs[T].t().clone(), cs[1:].transpose(1, 2)
        return hs[1:], hs[T].clone(), cs[T].clone(), cs[1:]

    @staticmethod
    def backward(ctx, d_hs, d_hT, d_cT, d_cs):
        """The gradients of all six inputs of :meth:`forward`, from those of its outputs."""
        x_rows, W_x, W_h, acts, cs, tanh_cs, hs = ctx.saved_tensors
        columns = ctx.columns
        T, H = tanh_cs.shape[0], W_h.shape[0]
        B = x_rows.shape[0] // T
        i, f, g, o = acts.split(H, dim=1 if columns else 2)  # each (T, H, B) or (T, B, H)
        # The factors that multiply dC (for i, f, C~) and dh (for o), all steps at once, written
        # where the pre-activations' gradients will be: the loop multiplies them in place. The
        # algebra keeps the passes over memory few: s (1 - s) x = s x - (s x) s is one addcmul
        # once s x is known, and o tanh(C) is h itself.
        h, c_prev = hs[1:], cs[:T]
        d_pre = torch.empty_like(acts)  # gradients of the pre-activations, every step
        factors = (d_pre.view(T, 4, H, B) if columns else d_pre.view(T, B, 4, H).transpose(1, 2))
        i_g = i * g
        torch.addcmul(i_g, i_g, i, value=-1, out=factors[:, 0])   # i: C~ i (1 - i)
        f_c = f * c_prev
        torch.addcmul(f_c, f_c, f, value=-1, out=factors[:, 1])   # f: C_{t-1} f (1 - f)
        torch.addcmul(i, i_g, g, value=-1, out=factors[:, 2])     # C~: i (1 - C~^2)
        del i_g, f_c
        torch.addcmul(h, h, o, value=-1, out=factors[:, 3])       # o: tanh(C) o (1 - o)
        dh_to_C = torch.addcmul(o, h, tanh_cs, value=-1)       # o (1 - tanh(C)^2)

        if columns:  # the outputs' gradients as states, (..., H, B)
            d_hT, d_cT, d_cs = (None if d is None else d.transpose(-1, -2) for d in (d_hT, d_cT, d_cs))
            # a copy of our own, in which dh_{t-1} is accumulated
            d_hs = None if d_hs is None else d_hs.transpose(1, 2).contiguous()
            W_h = W_h.contiguous()

            def back(d_pre_t, d_h_t=None):  # W_h d_pre (+ the output's own gradient)
                return torch.mm(W_h, d_pre_t) if d_h_t is None else d_h_t.addmm_(W_h, d_pre_t)
        else:
            product = RepeatedProduct(W_h.t(), B)

            def back(d_pre_t, d_h_t=None):  # d_pre W_h^T (+ the output's own gradient)
                return product(d_pre_t) if d_h_t is None else product.add(d_h_t, d_pre_t)
        state_shape = (H, B) if columns else (B, H)
        dh = acts.new_zeros(state_shape) if d_hT is None else d_hT.clone(memory_format=torch.contiguous_format)
        dc = acts.new_zeros(state_shape) if d_cT is None else d_cT.clone(memory_format=torch.contiguous_format)
        d_hs_ = (None,) * T if d_hs is None else d_hs.unbind(0)
        if d_hs is not None:
            dh += d_hs_[T - 1]
        d_pre_dC, d_pre_o = factors[:, :3].unbind(0), factors[:, 3].unbind(0)
        dh_to_C_, f_, d_pre_ = (t.unbind(0) for t in (dh_to_C, f, d_pre))
        for t in reversed(range(T)):
            if d_cs is not None:
                dc += d_cs[t]
            dc.addcmul_(dh, dh_to_C_[t])
            d_pre_dC[t].mul_(dc)  # the i, f and C~ blocks at once
            d_pre_o[t].mul_(dh)
            dc.mul_(f_[t])
            dh = back(d_pre_[t], d_hs_[t - 1] if t > 0 else None)  # dh_{t-1}
        if columns:  # the weight gradients' products run over rows: one copy each, back to them
            d_pre, h_prev, dh, dc = d_pre.transpose(1, 2), hs[:T].transpose(1, 2), dh.t(), dc.t()
        else:
            h_prev = hs[:T]
        flat = d_pre.reshape(T * B, 4 * H)
        d_x = matmul(flat, W_x.t()).view(T, B, -1) if ctx.needs_input_grad[0] else None
        d_W_x = matmul(x_rows.t(), flat)
        d_W_h = matmul(h_prev.reshape(T * B, H).t(), flat)
        return d_x, dh, dc, d_W_x, d_W_h, flat.sum(dim=0)
