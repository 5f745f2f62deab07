"""Backpropagation through time for the vanilla RNN, by hand, in numpy (float64).

The forward pass is the recurrence of chapter :ref:`rnn-basics`::

    a_t = x_t W_xh + h_{t-1} W_hh + b        (B, H)   pre-activation
    h_t = f(a_t)                             (B, H)   f = tanh (or relu)

and the backward pass walks the same steps in reverse. At step t the gradient arriving at
``h_t`` has two sources: the loss at step t (``dhs[:, t]``) and step t+1, through
``h_t W_hh``. Because ``W_xh``, ``W_hh`` and ``b`` are the same at every step, their gradients
are sums of one contribution per step. Chapter :ref:`bptt` derives it and checks every line
against finite differences and torch autograd.

Shapes: x ``(B, T, I)``, h0 ``(B, H)``, W_xh ``(I, H)``, W_hh ``(H, H)``, b ``(H,)``,
hs ``(B, T, H)``.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

_ACTIVATIONS = {
    # name: (f, derivative of f written in terms of the output h = f(a))
    "tanh": (np.tanh, lambda h: 1.0 - h * h),
    "relu": (lambda a: np.maximum(a, 0.0), lambda h: (h > 0).astype(h.dtype)),
}


def _check_array(value: object, name: str, shape: tuple, expected: str) -> np.ndarray:
    """Return ``value`` as a float64 array or raise ``ValueError`` naming the expected shape."""
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{name} must be a numpy array of shape {expected}, got {type(value).__name__}")
    if value.shape != shape:
        raise ValueError(f"{name} must have shape {expected}, got {value.shape}")
    if value.dtype != np.float64:
        raise ValueError(f"{name} must be float64 (finite differences need it), got {value.dtype}")
    return value


def rnn_forward(x: np.ndarray, h0: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray,
                b: np.ndarray, nonlinearity: str = "tanh") -> tuple[np.ndarray, dict]:
    """Run the vanilla RNN forward and keep what the backward pass needs.

    Args:
        x: inputs, shape ``(B, T, I)``, float64.
        h0: initial hidden state, shape ``(B, H)``.
        W_xh: input-to-hidden weights, shape ``(I, H)``.
        W_hh: hidden-to-hidden weights, shape ``(H, H)``.
        b: bias, shape ``(H,)``.
        nonlinearity: ``"tanh"`` (the default, as in the chapter's equations) or ``"relu"``.

    Returns:
        ``(hs, cache)``: the hidden states ``h_1..h_T``, shape ``(B, T, H)``, and a dict holding
        the inputs, ``hs`` and the nonlinearity for :func:`rnn_backward`.

    Raises:
        ValueError: if a shape or dtype does not match the ones above.
    """
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        got = x.shape if isinstance(x, np.ndarray) else type(x).__name__
        raise ValueError(f"x must be a numpy array of shape (B, T, I), got {got}")
    B, T, I = x.shape
    if B == 0 or T == 0:
        raise ValueError(f"x must have shape (B, T, I) with B >= 1 and T >= 1, got {x.shape}")
    if not isinstance(W_hh, np.ndarray) or W_hh.ndim != 2:
        raise ValueError("W_hh must be a numpy array of shape (H, H)")
    H = W_hh.shape[1]
    _check_array(x, "x", (B, T, I), f"(B, T, I) = ({B}, {T}, {I})")
    _check_array(h0, "h0", (B, H), f"(B, H) = ({B}, {H})")
    _check_array(W_xh, "W_xh", (I, H), f"(I, H) = ({I}, {H})")
    _check_array(W_hh, "W_hh", (H, H), f"(H, H) = ({H}, {H})")
    _check_array(b, "b", (H,), f"(H,) = ({H},)")
    if nonlinearity not in _ACTIVATIONS:
        raise ValueError(f"nonlinearity must be one of {sorted(_ACTIVATIONS)}, got {nonlinearity!r}")
    f, _ = _ACTIVATIONS[nonlinearity]

    hs = np.empty((B, T, H))
    h = h0
    for t in range(T):
        h = f(x[:, t] @ W_xh + h @ W_hh + b)  # (B, H)
        hs[:, t] = h
    cache = {"x": x, "h0": h0, "W_xh": W_xh, "W_hh": W_hh, "hs": hs, "nonlinearity": nonlinearity}
    return hs, cache


def rnn_step_backward(dh: np.ndarray, h: np.ndarray, h_prev: np.ndarray, x_t: np.ndarray,
                      W_xh: np.ndarray, W_hh: np.ndarray,
                      nonlinearity: str = "tanh") -> dict[str, np.ndarray]:
    """Backward through one step ``h = f(x_t W_xh + h_prev W_hh + b)``.

    Args:
        dh: total gradient of the loss with respect to ``h``, shape ``(B, H)``.
        h: the step's output ``h_t``, shape ``(B, H)``.
        h_prev: the step's input state ``h_{t-1}``, shape ``(B, H)``.
        x_t: the step's input, shape ``(B, I)``.
        W_xh: shape ``(I, H)``.
        W_hh: shape ``(H, H)``.
        nonlinearity: ``"tanh"`` or ``"relu"``, as in the forward pass.

    Returns:
        This step's gradients: ``x`` ``(B, I)``, ``h_prev`` ``(B, H)``, and its contributions
        to ``W_xh`` ``(I, H)``, ``W_hh`` ``(H, H)`` and ``b`` ``(H,)``.
    """
    _, f_prime = _ACTIVATIONS[nonlinearity]
    da = dh * f_prime(h)  # (B, H): gradient at the pre-activation a_t
    return {
        "x": da @ W_xh.T,        # (B, I)
        "h_prev": da @ W_hh.T,   # (B, H): what flows on to step t-1
        "W_xh": x_t.T @ da,      # (I, H)
        "W_hh": h_prev.T @ da,   # (H, H)
        "b": da.sum(axis=0),     # (H,)
    }


def rnn_backward(dhs: np.ndarray, cache: dict) -> dict[str, np.ndarray]:
    """Backpropagation through time: the gradients of a loss given ``dL/dh_t`` for every step.

    Args:
        dhs: gradient of the loss with respect to each output ``h_t`` (the loss's direct
            dependence only), shape ``(B, T, H)``; zeros at steps the loss does not read.
        cache: the second value returned by :func:`rnn_forward`.

    Returns:
        A dict with ``x`` ``(B, T, I)``, ``h0`` ``(B, H)``, ``W_xh`` ``(I, H)``, ``W_hh``
        ``(H, H)``, ``b`` ``(H,)``, and ``h`` ``(B, T, H)``: the *total* gradient reaching each
        ``h_t`` (direct plus through later steps), which chapter :ref:`bptt` plots.

    Raises:
        ValueError: if ``dhs`` does not have the shape of the forward pass's ``hs``.
    """
    x, hs, W_xh, W_hh = cache["x"], cache["hs"], cache["W_xh"], cache["W_hh"]
    B, T, H = hs.shape
    _check_array(dhs, "dhs", hs.shape, f"(B, T, H) = ({B}, {T}, {H})")
    grads = {"x": np.zeros_like(x), "W_xh": np.zeros_like(W_xh), "W_hh": np.zeros_like(W_hh),
             "b": np.zeros(H), "h": np.zeros_like(hs)}
    dh_from_later = np.zeros((B, H))  # nothing flows back into h_T from beyond the sequence
    for t in reversed(range(T)):
        h_prev = hs[:, t - 1] if t > 0 else cache["h0"]
        dh = dhs[:, t] + dh_from_later
        grads["h"][:, t] = dh
        step = rnn_step_backward(dh, hs[:, t], h_prev, x[:, t], W_xh, W_hh, cache["nonlinearity"])
        grads["x"][:, t] = step["x"]
        for name in ("W_xh", "W_hh", "b"):  # shared weights: one contribution per step, summed
            grads[name] += step[name]
        dh_from_later = step["h_prev"]
    grads["h0"] = dh_from_later
    return grads


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """The largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``, as CS231n reports it.

    Values near 1e-7 or below mean two float64 gradients agree; 1e-2 or above means a bug.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))


def numerical_gradient(f: Callable[[], np.ndarray], array: np.ndarray,
                       upstream: np.ndarray | None = None, step: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of ``sum(f() * upstream)`` with respect to ``array``.

    ``f`` takes no arguments and reads ``array``, which is perturbed in place one element at a
    time (and restored), so it works for any function of numpy arrays.

    Args:
        f: computes the output from the current contents of ``array`` (a scalar or an array).
        array: the float64 input to differentiate with respect to; left unchanged on return.
        upstream: the gradient of the loss with respect to ``f()``; ``None`` means ``f`` is the
            loss itself (a scalar).
        step: the finite-difference step ``h``; the error of central differences is O(h²).

    Returns:
        The numerical gradient, same shape as ``array``.
    """
    if array.dtype != np.float64:
        raise ValueError(f"array must be float64 for finite differences, got {array.dtype}")
    grad = np.zeros_like(array)
    weights = 1.0 if upstream is None else upstream
    it = np.nditer(array, flags=["multi_index"])
    for _ in it:
        index = it.multi_index
        original = array[index]
        array[index] = original + step
        plus = np.array(f(), dtype=np.float64)  # copy: f may return a view it later overwrites
        array[index] = original - step
        minus = np.array(f(), dtype=np.float64)
        array[index] = original
        # subtract before summing, so outputs that do not depend on this element cancel exactly
        # instead of adding their rounding error to a possibly tiny difference
        grad[index] = np.sum((plus - minus) * weights) / (2 * step)
    return grad


def hidden_gradient_by_distance(radius: float, nonlinearity: str, hidden: int = 64,
                                steps: int = 100, batch: int = 16, seed: int = 0) -> np.ndarray:
    """Mean ``||dL/dh_t||`` for a random loss on ``h_T`` only, by distance ``T - t``.

    The recurrent weights are ``W_hh = radius * Q`` with ``Q`` a random orthogonal matrix, so every
    singular value of ``W_hh`` is ``radius`` (chapter :ref:`bptt`). Inputs are small random
    numbers with 4 features.

    Args:
        radius: the spectral radius ``rho`` of ``W_hh``.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        hidden: ``H``.
        steps: ``T``.
        batch: ``B``.
        seed: seeds the weights, inputs and loss.

    Returns:
        ``(T,)`` float64: entry ``d`` is the batch mean of ``||dL/dh_{T-d}||``.
    """
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(hidden, hidden)))
    x = rng.normal(size=(batch, steps, 4)) * 0.1
    W_xh = rng.normal(size=(4, hidden)) * 0.5
    h0, b = np.zeros((batch, hidden)), np.zeros(hidden)
    hs, cache = rnn_forward(x, h0, W_xh, radius * Q, b,
                            nonlinearity=nonlinearity)
    upstream = np.zeros_like(hs)
    upstream[:, -1] = rng.normal(size=(batch, hidden)) / np.sqrt(hidden)
    grad_h = rnn_backward(upstream, cache)["h"]
    return np.linalg.norm(grad_h, axis=2).mean(axis=0)[::-1]


def per_step_factor(norms: np.ndarray) -> float:
    """The geometric change per step of a positive sequence, e.g. gradient norms by distance.

    Fits a straight line to ``log(norms)`` against ``0, 1, 2, ...`` and returns ``exp(slope)``:
    below 1 the values shrink geometrically (vanishing), above 1 they grow (exploding).
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 1 or len(norms) < 2 or np.any(norms <= 0):
        raise ValueError("norms must be a 1-D sequence of at least two positive numbers")
    slope = np.polyfit(np.arange(len(norms)), np.log(norms), deg=1)[0]
    return float(np.exp(slope))
