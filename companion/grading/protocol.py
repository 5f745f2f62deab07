"""How an exercise function is called on a case and how its results travel: the grading protocol.

One exercise case is plain data: the argument arrays by name, and a description of the function
(:meth:`companion.exercises.types.Exercise.meta`). :func:`run_case` calls a function on it and
returns plain arrays, the same way in three places: the learner's own check
(:func:`companion.exercises.check.check_exercise`), the reference outputs, and the grader's
confined child process (:mod:`companion.grading.child`), where results cross a process boundary
in an ``.npz`` file under the keys :func:`case_key` builds.

Only the standard library and NumPy are imported at the top (PyTorch when a case needs it): the
child runs this file's source, where the companion cannot be imported.
"""
import sys

import numpy as np


def case_key(exercise: str, case: str, item: str) -> str:
    """The key of one array of one case in the files the grader and its child exchange,
    ``"exercise|case|item"`` (``item``: an argument, an output, ``grad:<argument>`` or ``error``)."""
    return f"{exercise}|{case}|{item}"


def _unpack(result, meta: dict) -> dict:
    names, kind, fname = meta["outputs"], meta["returns"], meta["name"]
    if kind == "array":
        return {names[0]: result}
    if kind == "tuple":
        if not isinstance(result, (tuple, list)) or len(result) != len(names):
            raise ValueError(f"`{fname}` should return a tuple of {len(names)} arrays "
                             f"({', '.join(names)}); it returned a {type(result).__name__}")
        return dict(zip(names, result))
    if not isinstance(result, dict):
        raise ValueError(f"`{fname}` should return a dict with keys {', '.join(names)}; "
                         f"it returned a {type(result).__name__}")
    missing = [name for name in names if name not in result]
    if missing:
        raise ValueError(f"the dict returned by `{fname}` lacks the keys {', '.join(missing)}")
    return {name: result[name] for name in names}


def _as_array(value, label: str) -> np.ndarray:
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        raise TypeError(f"`{label}` is of type {type(value).__name__}, not an array")
    return np.array(value, subok=False, copy=True)  # a plain ndarray, whatever subclass came in


def run_case(fn, meta: dict, inputs: dict) -> dict:
    """Call an exercise function on one case's inputs and collect its outputs as arrays.

    Args:
        fn: the function under test (learner's or reference).
        meta: ``name``, ``arguments``, ``outputs``, ``returns`` (array, tuple or dict),
            ``framework`` (numpy or torch) and ``gradients`` (bool), see
            :meth:`companion.exercises.Exercise.meta`.
        inputs: the arguments by name, float64 arrays (boolean ones, such as masks, stay
            boolean and get no gradient), plus ``probe:<output>`` arrays when gradients are compared.

    Returns:
        ``{output: array}``, and with ``gradients`` also ``{"grad:<argument>": array}``: the
        gradient of ``sum(output * probe)`` over all outputs, by autograd.
    """
    arrays = [inputs[name] for name in meta["arguments"]]
    # Boolean arguments (masks) stay boolean and get no gradient; everything else is float64.
    if meta["framework"] == "torch":
        import torch
        args = [torch.tensor(a) if a.dtype == np.bool_ else
                torch.tensor(a, dtype=torch.float64, requires_grad=meta["gradients"]) for a in arrays]
    else:  # copies: a function may write into them
        args = [np.array(a) if a.dtype == np.bool_ else np.array(a, dtype=np.float64) for a in arrays]
    outputs = _unpack(fn(*args), meta)
    result = {name: _as_array(value, name) for name, value in outputs.items()}
    probes = {name: inputs[f"probe:{name}"] for name in meta["outputs"]} if meta["gradients"] else {}
    if probes and all(result[name].shape == probes[name].shape for name in probes):
        import torch
        for name, value in outputs.items():
            if not (isinstance(value, torch.Tensor) and value.requires_grad):
                raise ValueError(f"`{name}` is not computed from the arguments by torch operations, so "
                                 "it has no gradient (a .detach(), .numpy() or torch.tensor() cuts it off)")
        loss = sum((outputs[name] * torch.as_tensor(probe)).sum() for name, probe in probes.items())
        differentiable = [(name, arg) for name, arg in zip(meta["arguments"], args) if arg.requires_grad]
        grads = torch.autograd.grad(loss, [arg for _, arg in differentiable], allow_unused=True)
        for (name, arg), grad in zip(differentiable, grads):
            result[f"grad:{name}"] = np.zeros(arg.shape) if grad is None else _as_array(grad, name)
    return result
