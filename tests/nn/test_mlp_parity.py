"""The MNIST MLP (784-512-256-10, ReLU) trained with Adam in shenjing and in PyTorch from
the same initial weights on the same 100 batches: the losses agree at every step."""
import contextlib

import numpy as np
import pytest

import shenjing
import shenjing.nn as nn

STEPS, BATCH = 100, 64


def _mlp(mod):
    return mod.Sequential(mod.Flatten(), mod.Linear(784, 512), mod.ReLU(),
                          mod.Linear(512, 256), mod.ReLU(), mod.Linear(256, 10))


def _batches(seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(STEPS):
        x = rng.random((BATCH, 1, 28, 28), dtype=np.float32)  # MNIST-shaped, in [0, 1)
        y = rng.integers(0, 10, BATCH)
        yield x, y


def _one_blas_thread():
    """Both frameworks on one BLAS thread: faster on a shared machine, and repeatable."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def test_mlp_adam_training_matches_torch_step_by_step():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with _one_blas_thread():
            _train_both(torch)
    finally:
        torch.set_num_threads(threads)


def _train_both(torch):
    from shenjing import optim
    torch.manual_seed(0)
    tm = _mlp(torch.nn)
    m = _mlp(nn)
    m.load_state_dict({k: shenjing.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    t_opt = torch.optim.Adam(tm.parameters(), lr=1e-3)
    s_opt = optim.Adam(m.parameters(), lr=1e-3)
    t_loss_fn, s_loss_fn = torch.nn.CrossEntropyLoss(), nn.CrossEntropyLoss()
    worst = 0.0
    for step, (x, y) in enumerate(_batches()):
        t_opt.zero_grad()
        t_loss = t_loss_fn(tm(torch.from_numpy(x)), torch.from_numpy(y))
        t_loss.backward()
        t_opt.step()
        s_opt.zero_grad()
        s_loss = s_loss_fn(m(shenjing.tensor(x)), shenjing.tensor(y))
        s_loss.backward()
        s_opt.step()
        rel = abs(s_loss.item() - t_loss.item()) / abs(t_loss.item())
        worst = max(worst, rel)
        assert rel < 1e-4, f"step {step}: shenjing {s_loss.item()} vs torch {t_loss.item()}"
    print(f"worst relative loss difference over {STEPS} steps: {worst:.2e}")
    final = {k: v.numpy() for k, v in tm.state_dict().items()}
    for k, v in m.state_dict().items():
        np.testing.assert_allclose(v.numpy(), final[k], rtol=1e-3, atol=1e-4, err_msg=k)
