"""Module bookkeeping checked against PyTorch on the same architecture."""
import numpy as np
import pytest

import shenjing
import shenjing.nn as nn
import shenjing.nn.functional as F


def _mlp(mod, hidden=(512, 256)):
    dims = (784,) + tuple(hidden)
    layers = [mod.Flatten()]
    for a, b in zip(dims, dims[1:]):
        layers += [mod.Linear(a, b), mod.ReLU()]
    return mod.Sequential(*layers, mod.Linear(dims[-1], 10))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.Tanh()
        self.head = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 2))
        self.register_buffer("steps", shenjing.zeros(1))

    def forward(self, x):
        return self.head(self.act(self.fc1(x)))


def test_state_dict_keys_and_shapes_match_torch():
    torch = pytest.importorskip("torch")
    mine, theirs = _mlp(nn).state_dict(), _mlp(torch.nn).state_dict()
    assert list(mine) == list(theirs)
    assert [tuple(v.shape) for v in mine.values()] == [tuple(v.shape) for v in theirs.values()]


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(_mlp(nn)) == repr(_mlp(torch.nn))


def test_torch_checkpoint_loads_and_gives_same_output():
    torch = pytest.importorskip("torch")
    tm, m = _mlp(torch.nn), _mlp(nn)
    m.load_state_dict({k: shenjing.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 1, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(m(shenjing.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_parameters_children_modules():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "head.0.weight", "head.0.bias",
                     "head.1.weight", "head.1.bias"]
    assert len(list(net.parameters())) == 6
    assert [type(c).__name__ for c in net.children()] == ["Linear", "Tanh", "Sequential"]
    assert len(list(net.modules())) == 6
    assert list(net.state_dict()) == ["steps"] + names  # own entries first, as torch


def test_shared_weights_listed_once():
    tied = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    tied[1].weight = tied[0].weight
    assert len(list(tied.parameters())) == 3
    # shared parameters are still two state_dict keys, as in torch
    assert len(tied.state_dict()) == 4


def test_train_eval_recursion_and_zero_grad():
    net = Net()
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(shenjing.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_dtype_casts_parameters_and_buffers():
    net = Net().to(shenjing.float64)
    assert all(p.dtype == shenjing.float64 for p in net.parameters())
    assert net.steps.dtype == shenjing.float64
    assert net(shenjing.randn(2, 4, dtype=shenjing.float64)).dtype == shenjing.float64
    with pytest.raises(RuntimeError, match="dtype float64.*got float32"):
        net(shenjing.randn(2, 4))


def test_load_state_dict_strict_errors_name_the_keys_and_shapes():
    small = _mlp(nn, hidden=(128,))
    big = _mlp(nn)
    with pytest.raises(RuntimeError) as e:
        big.load_state_dict(small.state_dict())
    msg = str(e.value)
    assert "size mismatch for 1.weight" in msg
    assert "[128, 784]" in msg and "[512, 784]" in msg
    assert 'Missing key(s) in state_dict: "5.weight"' in msg
    sd = big.state_dict()
    sd["extra.weight"] = shenjing.zeros(1)
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra.weight"'):
        big.load_state_dict(sd)
    result = big.load_state_dict(sd, strict=False)
    assert result.unexpected_keys == ["extra.weight"] and result.missing_keys == []


def test_load_state_dict_copies_values():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=n)


def test_forward_hooks():
    net = Net()
    seen = []
    h = net.fc1.register_forward_hook(lambda m, inp, out: seen.append(tuple(out.shape)))
    pre = net.register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
    out = net(shenjing.randn(2, 4))
    assert seen == [(2, 3)]
    expected = net.head(net.act(F.linear(shenjing.zeros(2, 4), net.fc1.weight, net.fc1.bias)))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy())
    h.remove()
    pre.remove()
    net(shenjing.randn(2, 4))
    assert len(seen) == 1


def test_assigning_wrong_types_is_rejected():
    net = Net()
    with pytest.raises(TypeError):
        net.fc1 = "not a module"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        net.nope
