"""shenjing.optim.lr_scheduler: learning-rate sequences compared with torch's."""
import pickle

import numpy as np
import pytest

import shenjing as sj
from shenjing.nn.parameter import Parameter
from shenjing.optim import lr_scheduler as sched

STEPS = 60


def _pair(opt_name="SGD", groups=2, **kw):
    torch = pytest.importorskip("torch")
    ps = [Parameter(np.ones(2, np.float32)) for _ in range(groups)]
    pt = [torch.nn.Parameter(torch.ones(2)) for _ in range(groups)]
    lrs = [0.1 * (i + 1) for i in range(groups)]
    os_ = getattr(sj.optim, opt_name)([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], **kw)
    ot = getattr(torch.optim, opt_name)([{"params": [p], "lr": lr} for p, lr in zip(pt, lrs)],
                                         **kw)
    return os_, ot


def _seq(opt, s, n=STEPS, metrics=None):
    out = [list(s.get_last_lr())]
    for t in range(n):
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[t])
        out.append(list(s.get_last_lr()))
        assert out[-1] == [g["lr"] for g in opt.param_groups]
    return np.array(out)


CASES = {
    "StepLR": dict(step_size=7, gamma=0.5),
    "MultiStepLR": dict(milestones=[5, 12, 12, 40], gamma=0.3),
    "ExponentialLR": dict(gamma=0.93),
    "CosineAnnealingLR": dict(T_max=17, eta_min=0.001),
    "ConstantLR": dict(factor=0.25, total_iters=9),
    "LinearLR": dict(start_factor=0.1, end_factor=0.9, total_iters=13),
    "LambdaLR": dict(lr_lambda=lambda e: 0.97 ** e / (1 + e % 3)),
    "MultiplicativeLR": dict(lr_lambda=lambda e: 0.95),
    "OneCycleLR": dict(max_lr=[0.5, 1.0], total_steps=STEPS),
}


@pytest.mark.parametrize("name", list(CASES))
def test_sequence_matches_torch(name):
    torch = pytest.importorskip("torch")
    os_, ot = _pair()
    a = _seq(os_, getattr(sched, name)(os_, **CASES[name]))
    b = _seq(ot, getattr(torch.optim.lr_scheduler, name)(ot, **CASES[name]))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kw", [dict(three_phase=True, anneal_strategy="linear"),
                                dict(epochs=3, steps_per_epoch=20, pct_start=0.4)])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_one_cycle_momentum_matches_torch(kw, opt_name):
    torch = pytest.importorskip("torch")
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    os_, ot = _pair(opt_name, **extra)
    kw = dict(max_lr=0.8, **kw)
    if "epochs" not in kw:
        kw["total_steps"] = STEPS
    s1, s2 = sched.OneCycleLR(os_, **kw), torch.optim.lr_scheduler.OneCycleLR(ot, **kw)
    key = "betas" if opt_name == "Adam" else "momentum"
    for _ in range(STEPS - 1):
        os_.step()
        ot.step()
        s1.step()
        s2.step()
        np.testing.assert_allclose(s1.get_last_lr(), s2.get_last_lr(), rtol=1e-12)
        for g1, g2 in zip(os_.param_groups, ot.param_groups):
            np.testing.assert_allclose(g1[key], g2[key], rtol=1e-12)
    with pytest.raises(ValueError, match="Tried to step"):
        s1.step()
        s1.step()


@pytest.mark.parametrize("kw", [
    dict(), dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs"),
    dict(patience=3, cooldown=2, min_lr=[0.02, 0.05], factor=0.3),
    dict(patience=0, threshold_mode="rel", threshold=0.05, eps=1e-3),
])
def test_reduce_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    metrics = list(np.maximum.accumulate(rng.random(STEPS))[::-1] + rng.random(STEPS) * 0.1)
    metrics = [float(m) for m in metrics]
    os_, ot = _pair()
    a = _seq(os_, sched.ReduceLROnPlateau(os_, **kw), metrics=metrics)
    b = _seq(ot, torch.optim.lr_scheduler.ReduceLROnPlateau(ot, **kw), metrics=metrics)
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_cosine_past_t_max_and_chained():
    torch = pytest.importorskip("torch")
    os_, ot = _pair()
    a1, a2 = sched.CosineAnnealingLR(os_, T_max=5), sched.ExponentialLR(os_, gamma=0.9)
    b1 = torch.optim.lr_scheduler.CosineAnnealingLR(ot, T_max=5)
    b2 = torch.optim.lr_scheduler.ExponentialLR(ot, gamma=0.9)
    for _ in range(23):
        os_.step()
        ot.step()
        for s in (a1, a2, b1, b2):
            s.step()
        np.testing.assert_allclose([g["lr"] for g in os_.param_groups],
                                   [g["lr"] for g in ot.param_groups], rtol=1e-12)


def test_state_dict_resume():
    os1, _ = _pair()
    s1 = sched.CosineAnnealingLR(os1, T_max=30)
    for _ in range(10):
        os1.step()
        s1.step()
    osd, ssd = pickle.loads(pickle.dumps((os1.state_dict(), s1.state_dict())))
    assert "optimizer" not in ssd and ssd["last_epoch"] == 10
    os2, _ = _pair()
    os2.load_state_dict(osd)
    s2 = sched.CosineAnnealingLR(os2, T_max=30, last_epoch=9)
    s2.load_state_dict(ssd)
    for _ in range(15):
        for o, s in ((os1, s1), (os2, s2)):
            o.step()
            s.step()
        assert s1.get_last_lr() == s2.get_last_lr()


def test_lambda_state_dict_and_errors():
    os_, _ = _pair()

    class Warm:
        def __init__(self):
            self.k = 3

        def __call__(self, e):
            return min(1.0, (e + 1) / self.k)

    s = sched.LambdaLR(os_, [Warm(), lambda e: 1.0])
    sd = s.state_dict()
    assert sd["lr_lambdas"][0] == {"k": 3} and sd["lr_lambdas"][1] is None
    s.lr_lambdas[0].k = 10
    s.load_state_dict(sd)
    assert s.lr_lambdas[0].k == 3
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        sched.LambdaLR(os_, [lambda e: 1.0])
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sched.StepLR(object(), step_size=3)
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        sched.ReduceLROnPlateau(os_, factor=1.5)
    fresh, _ = _pair()
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(fresh, step_size=3, last_epoch=4)


def test_step_size_and_t_max_must_be_positive():
    # bug: StepLR(step_size=0) and CosineAnnealingLR(T_max=0) raised ZeroDivisionError later
    opt = sj.optim.SGD([Parameter(sj.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive int, got 0"):
        sched.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="CosineAnnealingLR: T_max must be positive, got 0"):
        sched.CosineAnnealingLR(opt, T_max=0)


def test_bad_gamma_milestones_lambdas_and_metrics_are_named():
    """Bug: gamma=nan or -1 silently made every lr NaN or negative, milestones="ab" was a
    silent no-op (and milestones=3 a bare TypeError), a non-callable lr_lambda failed
    inside get_lr, and ReduceLROnPlateau.step(None) raised float()'s bare error."""
    opt = sj.optim.SGD([Parameter(sj.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match="ExponentialLR: gamma should be a finite number"):
        sched.ExponentialLR(opt, gamma=float("nan"))
    with pytest.raises(ValueError, match="StepLR: gamma .* got -1"):
        sched.StepLR(opt, step_size=2, gamma=-1)
    with pytest.raises(TypeError, match="MultiStepLR: milestones should be a sequence of ints"):
        sched.MultiStepLR(opt, milestones="ab")
    with pytest.raises(TypeError, match="MultiStepLR: milestones .* got 3"):
        sched.MultiStepLR(opt, milestones=3)
    with pytest.raises(TypeError, match="LambdaLR: lr_lambda should be a function"):
        sched.LambdaLR(opt, 3)
    plateau = sched.ReduceLROnPlateau(opt)
    for bad in (None, "a", sj.tensor([1.0, 2.0])):
        with pytest.raises(TypeError, match="ReduceLROnPlateau.step: metrics should be a number"):
            plateau.step(bad)
    plateau.step(sj.tensor(0.5))  # a one-element tensor stays accepted
