"""Shared test helpers: one line per op, checked by finite differences and by PyTorch.

    check_grad(lambda a, b: a * b, (3, 4), (4,))        # float64 gradcheck
    check_torch(lambda m, a, b: m.matmul(a, b), (2, 3), (3, 5))   # parity with torch

In ``check_torch`` the function receives the framework module first (``shenjing`` or
``torch``), so one lambda describes the op in both.
"""
import numpy as np
import pytest

import shenjing
from shenjing.autograd import gradcheck


def rand_arrays(shapes, seed=0, low=-2.0, high=2.0, positive=False, dtype=np.float64):
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        a = rng.uniform(0.2 if positive else low, high, size=s)
        out.append(a.astype(dtype))
    return out


def check_grad(fn, *shapes, positive=False, seed=0, atol=1e-5, rtol=1e-3, arrays=None):
    """gradcheck fn on float64 tensors of the given shapes (all requiring grad)."""
    arrays = arrays if arrays is not None else rand_arrays(shapes, seed, positive=positive)
    ts = [shenjing.tensor(a, dtype=shenjing.float64, requires_grad=True) for a in arrays]
    assert gradcheck(fn, tuple(ts), atol=atol, rtol=rtol)


def assert_close(actual, expected, rtol=1e-4, atol=1e-5, what=""):
    a = actual.detach().numpy() if hasattr(actual, "detach") else np.asarray(actual)
    e = expected.detach().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=what)


def check_torch(fn, *shapes, positive=False, seed=0, rtol=1e-4, atol=1e-5, arrays=None,
                dtype=np.float32, grad=True):
    """Run fn(framework, *tensors) in shenjing and torch; compare outputs and gradients."""
    torch = pytest.importorskip("torch")
    arrays = arrays if arrays is not None else rand_arrays(shapes, seed, positive=positive,
                                                           dtype=dtype)
    sj_in = [shenjing.tensor(a, requires_grad=grad) for a in arrays]
    th_in = [torch.tensor(a, requires_grad=grad) for a in arrays]
    sj_out, th_out = fn(shenjing, *sj_in), fn(torch, *th_in)
    sj_outs = sj_out if isinstance(sj_out, (tuple, list)) else (sj_out,)
    th_outs = th_out if isinstance(th_out, (tuple, list)) else (th_out,)
    assert len(sj_outs) == len(th_outs), f"{len(sj_outs)} outputs, torch has {len(th_outs)}"
    rng = np.random.default_rng(seed + 1)
    sj_total, th_total = None, None
    for i, (s, t) in enumerate(zip(sj_outs, th_outs)):
        assert_close(s, t, rtol, atol, what=f"output {i}")
        assert s.requires_grad == t.requires_grad, f"output {i}: requires_grad differs"
        if grad and s.dtype.kind == "f" and s.requires_grad:
            w = rng.standard_normal(tuple(s.shape)).astype(s.dtype)
            st = (s * shenjing.tensor(w)).sum()
            tt = (t * torch.tensor(w)).sum()
            sj_total = st if sj_total is None else sj_total + st
            th_total = tt if th_total is None else th_total + tt
    if sj_total is not None:
        sj_total.backward()
        th_total.backward()
        for i, (s, t) in enumerate(zip(sj_in, th_in)):
            if t.grad is None:
                assert s.grad is None or not np.any(s.grad.numpy()), f"input {i}: unexpected grad"
                continue
            assert s.grad is not None, f"input {i}: no gradient"
            assert_close(s.grad, t.grad, rtol, atol, what=f"grad of input {i}")
    return sj_out, th_out
