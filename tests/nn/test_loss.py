"""Losses: torch parity (float32, forward + every gradient), gradcheck (float64), errors."""
import itertools

import numpy as np
import pytest

import shenjing
import shenjing.nn as nn
import shenjing.nn.functional as F
from shenjing.autograd import gradcheck

RNG = np.random.default_rng(0)


def _parity(name, arrays, grad, kwargs=None, rtol=1e-4, atol=1e-6, tkwargs=None):
    """Run F.<name>(*arrays, **kwargs) in both frameworks; compare value and gradients.

    ``grad[i]`` marks the arrays that require grad; kwargs values that are arrays become
    tensors (float32 / int64) in each framework."""
    torch = pytest.importorskip("torch")
    kwargs = kwargs or {}

    def build(mod, tensor):
        ins = [tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
        kw = {k: tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        return ins, kw

    s_in, s_kw = build(shenjing, lambda a, requires_grad=False:
                       shenjing.tensor(a, requires_grad=requires_grad))
    t_in, t_kw = build(torch, lambda a, requires_grad=False:
                       torch.tensor(a, requires_grad=requires_grad))
    s_out = getattr(F, name)(*s_in, **s_kw)
    t_out = getattr(torch.nn.functional, name)(*t_in, **t_kw)
    np.testing.assert_allclose(s_out.detach().numpy(), t_out.detach().numpy(), rtol, atol,
                               err_msg=f"{name} forward")
    if not any(grad):
        return
    w = RNG.standard_normal(tuple(t_out.shape)).astype(np.float32)
    (s_out * shenjing.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    for i, (s, t) in enumerate(zip(s_in, t_in)):
        if grad[i]:
            np.testing.assert_allclose(s.grad.numpy(), t.grad.numpy(), rtol, atol,
                                       err_msg=f"{name} grad of input {i}")


def _logits_targets(shape, ignore_frac=0.0, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32) * 2
    C = shape[1] if len(shape) > 1 else shape[0]
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, C, tshape).astype(np.int64)
    if ignore_frac and t.ndim:
        t[rng.random(tshape) < ignore_frac] = -100
    return x, t, rng.uniform(0.2, 2.0, C).astype(np.float32)


SHAPES = [(5, 7), (4, 3, 6), (2, 4, 3, 5), (6,)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_weight,ignore,smooth",
                         list(itertools.product([False, True], [False, True], [0.0, 0.2])))
def test_cross_entropy_class_index_parity(shape, reduction, use_weight, ignore, smooth):
    x, t, w = _logits_targets(shape, 0.3 if ignore else 0.0)
    kw = dict(reduction=reduction, label_smoothing=smooth)
    if use_weight:
        kw["weight"] = w
    _parity("cross_entropy", [x, t], [True, False], kw)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_weight,ignore", list(itertools.product([False, True], repeat=2)))
def test_nll_loss_parity(shape, reduction, use_weight, ignore):
    x, t, w = _logits_targets(shape, 0.3 if ignore else 0.0, seed=1)
    kw = dict(reduction=reduction, ignore_index=-100)
    if use_weight:
        kw["weight"] = w
    _parity("nll_loss", [x, t], [True, False], kw)


@pytest.mark.parametrize("shape", [(5, 7), (3, 4, 2), (6,)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_weight,smooth", list(itertools.product([False, True], [0.0, 0.1])))
def test_cross_entropy_probability_targets_parity(shape, reduction, use_weight, smooth):
    x, _, w = _logits_targets(shape, seed=2)
    axis = 1 if len(shape) > 1 else 0
    p = np.exp(RNG.standard_normal(shape)).astype(np.float32)
    p /= p.sum(axis=axis, keepdims=True)
    kw = dict(reduction=reduction, label_smoothing=smooth)
    if use_weight:
        kw["weight"] = w
    _parity("cross_entropy", [x, p], [True, True], kw)


def test_cross_entropy_custom_ignore_index_and_all_ignored():
    x, t, _ = _logits_targets((6, 4), seed=3)
    t[:3] = 2
    _parity("cross_entropy", [x, t], [True, False], dict(ignore_index=2, label_smoothing=0.1))
    allign = np.full(6, -100, np.int64)
    out = F.cross_entropy(shenjing.tensor(x), shenjing.tensor(allign))
    assert np.isnan(out.item())  # 0 / 0, as PyTorch


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,kw", [
    ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.7}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"delta": 0.6}), ("huber_loss", {}),
])
def test_regression_losses_parity(name, kw, reduction):
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    y = RNG.standard_normal((4, 5)).astype(np.float32)
    _parity(name, [x, y], [True, True], dict(kw, reduction=reduction))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses_parity(name):
    x, y, w = (RNG.standard_normal((4, 5)).astype(np.float32) for _ in range(3))
    _parity(name, [x, y], [True, True], dict(weight=np.abs(w)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_weight", [False, True])
def test_binary_cross_entropy_parity(reduction, use_weight):
    p = RNG.uniform(0.05, 0.95, (6, 3)).astype(np.float32)
    y = RNG.uniform(0, 1, (6, 3)).astype(np.float32)
    kw = dict(reduction=reduction)
    if use_weight:
        kw["weight"] = RNG.uniform(0.5, 2, (3,)).astype(np.float32)
    _parity("binary_cross_entropy", [p, y], [True, True], kw)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    p = np.array([0.0, 1.0, 0.5], np.float32)
    y = np.array([1.0, 0.0, 1.0], np.float32)
    _parity("binary_cross_entropy", [p, y], [False, False], dict(reduction="none"))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_weight,use_pos", list(itertools.product([False, True], repeat=2)))
def test_bce_with_logits_parity(reduction, use_weight, use_pos):
    x = (RNG.standard_normal((6, 3)) * 3).astype(np.float32)
    y = RNG.uniform(0, 1, (6, 3)).astype(np.float32)
    kw = dict(reduction=reduction)
    if use_weight:
        kw["weight"] = RNG.uniform(0.5, 2, (6, 1)).astype(np.float32)
    if use_pos:
        kw["pos_weight"] = RNG.uniform(0.5, 3, (3,)).astype(np.float32)
    _parity("binary_cross_entropy_with_logits", [x, y], [True, True], kw)


def test_bce_with_logits_is_stable_for_huge_logits():
    x = shenjing.tensor([1000.0, -1000.0, 50.0], requires_grad=True)
    y = shenjing.tensor([0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="sum")
    loss.backward()
    assert np.isclose(loss.item(), 2000.0, rtol=1e-6)
    assert np.all(np.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_parity(reduction, log_target):
    x = np.log(RNG.dirichlet(np.ones(5), 4)).astype(np.float32)
    y = RNG.dirichlet(np.ones(5), 4).astype(np.float32)
    y = np.log(y) if log_target else y
    _parity("kl_div", [x, y], [True, True], dict(reduction=reduction, log_target=log_target))



# ------------------------------------------------------------------ gradcheck (float64)
def _f64(a, grad=True):
    return shenjing.tensor(np.asarray(a, np.float64), dtype=shenjing.float64, requires_grad=grad)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2), (4,)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("use_weight,ignore,smooth",
                         list(itertools.product([False, True], [False, True], [0.0, 0.3])))
def test_cross_entropy_gradcheck(shape, reduction, use_weight, ignore, smooth):
    x, t, w = _logits_targets(shape, 0.4 if ignore else 0.0, seed=5)
    if ignore and t.ndim:
        t.flat[0] = 1  # keep at least one sample counted
    kw = dict(reduction=reduction, label_smoothing=smooth,
              weight=shenjing.tensor(w.astype(np.float64)) if use_weight else None)
    tt = shenjing.tensor(t)
    assert gradcheck(lambda a: F.cross_entropy(a, tt, **kw), (_f64(x),))
    assert gradcheck(lambda a: F.nll_loss(a, tt, kw["weight"], reduction=reduction), (_f64(x),))


@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("smooth", [0.0, 0.2])
def test_cross_entropy_probability_targets_gradcheck(reduction, smooth):
    x = RNG.standard_normal((3, 4))
    p = RNG.dirichlet(np.ones(4), 3)
    w = shenjing.tensor(RNG.uniform(0.5, 2, 4), dtype=shenjing.float64)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, w, reduction=reduction,
                                                  label_smoothing=smooth), (_f64(x), _f64(p)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_pointwise_losses_gradcheck(reduction):
    # keep |x - y| away from the kinks at 0 and at beta / delta
    x = RNG.uniform(-2, 2, (3, 4))
    y = x + RNG.choice([-1, 1], (3, 4)) * RNG.uniform(0.1, 0.4, (3, 4))
    y[0] = x[0] + 1.5
    for fn in (lambda a, b: F.mse_loss(a, b, reduction=reduction),
               lambda a, b: F.l1_loss(a, b, reduction=reduction),
               lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.8),
               lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=0.8)):
        assert gradcheck(fn, (_f64(x), _f64(y)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_gradcheck(reduction):
    p, y = RNG.uniform(0.1, 0.9, (3, 4)), RNG.uniform(0, 1, (3, 4))
    w = shenjing.tensor(RNG.uniform(0.5, 2, 4), dtype=shenjing.float64)
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, w, reduction=reduction),
                     (_f64(p), _f64(y)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_gradcheck_all_inputs(reduction):
    x, y = RNG.standard_normal((3, 4)) * 2, RNG.uniform(0, 1, (3, 4))
    w, pw = RNG.uniform(0.5, 2, (3, 1)), RNG.uniform(0.5, 3, 4)
    fn = lambda a, b, c, d: F.binary_cross_entropy_with_logits(  # noqa: E731
        a, b, weight=c, pos_weight=d, reduction=reduction)
    assert gradcheck(fn, (_f64(x), _f64(y), _f64(w), _f64(pw)))


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(log_target):
    x = np.log(RNG.dirichlet(np.ones(4), 3))
    y = RNG.dirichlet(np.ones(4), 3)
    y = np.log(y) if log_target else y
    assert gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean", log_target=log_target),
                     (_f64(x), _f64(y)))


# ------------------------------------------------------------------------- errors
def test_float_class_target_names_the_loss_and_dtypes():
    with pytest.raises(RuntimeError, match=r"CrossEntropyLoss.*float32.*\(64,\).*int64|"
                                           r"CrossEntropyLoss.*int64.*float32"):
        nn.CrossEntropyLoss()(shenjing.randn(64, 10), shenjing.randn(64))


def test_float_probability_target_of_input_shape_is_accepted():
    x = shenjing.randn(4, 3)
    p = shenjing.softmax(shenjing.randn(4, 3), 1)
    assert np.isfinite(nn.CrossEntropyLoss()(x, p).item())
    with pytest.raises(RuntimeError, match="probabilities.*floating"):
        F.cross_entropy(x, shenjing.zeros(4, 3, dtype=shenjing.int64))


@pytest.mark.parametrize("fn,name", [(F.cross_entropy, "CrossEntropyLoss"),
                                     (F.nll_loss, "NLLLoss")])
def test_label_out_of_range(fn, name):
    t = shenjing.tensor([1, 10, 3])
    with pytest.raises(IndexError, match=f"^{name}: target 10 is out of range for 10 classes$"):
        fn(shenjing.randn(3, 10), t)
    with pytest.raises(IndexError, match="target -3 is out of range"):
        fn(shenjing.randn(3, 10), shenjing.tensor([1, -3, -100]))
    fn(shenjing.randn(3, 10), shenjing.tensor([1, -100, 9]))  # ignore_index is fine


def test_target_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(32,\).*\(64, 10\)|\(64, 10\).*\(32,\)"):
        nn.CrossEntropyLoss()(shenjing.randn(64, 10), shenjing.randint(0, 10, (32,)))
    with pytest.raises(ValueError, match=r"BCELoss.*\(4,\).*\(4, 1\)"):
        nn.BCELoss()(shenjing.rand(4, 1), shenjing.rand(4))
    with pytest.raises(ValueError, match=r"MSELoss.*\(3,\).*\(4,\)"):
        nn.MSELoss()(shenjing.randn(4), shenjing.randn(3))
    with pytest.warns(UserWarning, match=r"MSELoss.*\(4,\).*\(4, 1\)"):
        nn.MSELoss()(shenjing.randn(4, 1), shenjing.randn(4))


def test_other_bad_inputs():
    with pytest.raises(ValueError, match="BCELoss: all elements of input should be between 0"):
        nn.BCELoss()(shenjing.randn(5) * 3, shenjing.rand(5))
    with pytest.raises(ValueError, match="weight"):
        nn.CrossEntropyLoss(weight=shenjing.ones(3))(shenjing.randn(2, 4), shenjing.tensor([0, 1]))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="avg")


# ------------------------------------------------------------------------ modules
def test_loss_modules_match_torch_and_register_weight_buffers():
    torch = pytest.importorskip("torch")
    w = np.array([1.0, 2.0, 0.5], np.float32)
    m = nn.CrossEntropyLoss(weight=shenjing.tensor(w), ignore_index=1, label_smoothing=0.1)
    tm = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=1, label_smoothing=0.1)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    b = nn.BCEWithLogitsLoss(pos_weight=shenjing.ones(3))
    tb = torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3))
    assert list(b.state_dict()) == list(tb.state_dict()) == ["pos_weight"]
    x, t, _ = _logits_targets((8, 3), seed=9)
    np.testing.assert_allclose(m(shenjing.tensor(x), shenjing.tensor(t)).item(),
                               tm(torch.tensor(x), torch.tensor(t)).item(), rtol=1e-5)
    m.double()
    assert m.weight.dtype == shenjing.float64
    for cls in ("CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
                "BCELoss", "BCEWithLogitsLoss", "KLDivLoss"):
        assert repr(getattr(nn, cls)()) == repr(getattr(torch.nn, cls)())


def test_legacy_size_average_and_reduce():
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.NLLLoss(reduce=False).reduction == "none"
    assert nn.L1Loss(size_average=True, reduce=True).reduction == "mean"
