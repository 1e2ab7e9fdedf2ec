"""float32 in, float32 out: no op may silently widen to float64 (regression: GELU did)."""
import pytest

import shenjing
import shenjing.nn.functional as F

UNARY = {
    "relu": F.relu, "leaky_relu": F.leaky_relu, "elu": F.elu, "selu": F.selu,
    "sigmoid": F.sigmoid, "tanh": F.tanh, "silu": F.silu, "softplus": F.softplus,
    "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "softmax": lambda x: F.softmax(x, 1), "log_softmax": lambda x: F.log_softmax(x, 1),
    "exp": shenjing.exp, "log": lambda x: (x.abs() + 1).log(), "sqrt": lambda x: x.abs().sqrt(),
    "var": lambda x: x.var(1), "std": lambda x: x.std(), "mean": lambda x: x.mean(0),
    "norm": lambda x: x.norm(), "logsumexp": lambda x: x.logsumexp(1),
    "pow": lambda x: x.abs() ** 1.5, "div": lambda x: x / 3,
    "rdiv": lambda x: 1 / (x.abs() + 1), "clamp": lambda x: x.clamp(-0.5, 0.5),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_float32_stays_float32(name):
    x = shenjing.randn(4, 5, requires_grad=True)
    y = UNARY[name](x)
    assert y.dtype == shenjing.float32, f"{name} forward gave {y.dtype}"
    y.sum().backward()
    assert x.grad.dtype == shenjing.float32


def test_losses_keep_float32():
    x = shenjing.randn(6, 4, requires_grad=True)
    t = shenjing.randint(0, 4, (6,))
    for loss in (F.cross_entropy(x, t), F.mse_loss(x, shenjing.zeros(6, 4)),
                 F.binary_cross_entropy_with_logits(x, shenjing.rand(6, 4))):
        assert loss.dtype == shenjing.float32
