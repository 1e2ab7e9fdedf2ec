"""shenjing.optim: parity with torch.optim, the flat buffer, state dicts, errors."""
import copy
import pickle

import numpy as np
import pytest

import shenjing as sj
from shenjing.nn.parameter import Parameter
from shenjing.optim.optimizer import _FlatGroup

SHAPES = [(6, 4), (4,), (3, 6), (), (3,)]
STEPS = 24


def _data(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(STEPS)]
    return init, grads


def _set_grad(p, g):
    """Deliver a gradient the way backward does (through the flat buffer if any)."""
    p.grad = None
    p._accumulate(g)


def _compare(make_sj, make_torch, skip=None, seed=0, shapes=SHAPES, rtol=1e-5):
    torch = pytest.importorskip("torch")
    init, grads = _data(seed, shapes)
    ps = [Parameter(a.copy()) for a in init]
    pt = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    opt_s, opt_t = make_sj(ps), make_torch(pt)
    for t in range(STEPS):
        for i in range(len(shapes)):
            if skip is not None and skip(t, i):
                ps[i].grad = None
                pt[i].grad = None
            else:
                _set_grad(ps[i], grads[t][i])
                pt[i].grad = torch.tensor(grads[t][i])
        opt_s.step()
        opt_t.step()
        for a, b in zip(ps, pt):
            np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=rtol, atol=1e-6)
    return ps, pt, opt_s, opt_t


def _skip_some(t, i):
    return (t + i) % 4 == 0 or (i == 2 and t < 3)


OPTIONS = {
    "SGD": [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, nesterov=True),
            dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1),
            dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05, maximize=True),
            dict(lr=0.05, weight_decay=0.2, maximize=True)],
    "Adam": [dict(lr=0.01), dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
             dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, amsgrad=True),
             dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True),
             dict(lr=0.02, betas=(0.3, 0.9)), dict(lr=0.01, weight_decay=0.1,
                                                   decoupled_weight_decay=True)],
    "AdamW": [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1, amsgrad=True),
              dict(lr=0.01, maximize=True, betas=(0.85, 0.95))],
    "RMSprop": [dict(lr=0.01), dict(lr=0.01, alpha=0.9, eps=1e-6), dict(lr=0.01, momentum=0.9),
                dict(lr=0.01, centered=True), dict(lr=0.005, centered=True, momentum=0.5,
                                                   weight_decay=0.1),
                dict(lr=0.01, maximize=True, weight_decay=0.05, alpha=0.3)],
}
CASES = [(name, kw) for name, kws in OPTIONS.items() for kw in kws]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for n, kws in OPTIONS.items()
                                                 for i in range(len(kws))])
@pytest.mark.parametrize("skip", [None, _skip_some], ids=["all-grads", "some-none"])
def test_matches_torch(name, kw, skip):
    torch = pytest.importorskip("torch")
    _compare(lambda p: getattr(sj.optim, name)(p, **kw),
             lambda p: getattr(torch.optim, name)(p, **kw), skip=skip)


def test_adam_state_matches_torch():
    torch = pytest.importorskip("torch")
    ps, pt, os_, ot = _compare(lambda p: sj.optim.Adam(p, lr=0.01, amsgrad=True),
                               lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True),
                               skip=_skip_some)
    for a, b in zip(ps, pt):
        sa, sb = os_.state[a], ot.state[b]
        assert set(sa) == set(sb)
        assert float(sa["step"]) == float(sb["step"])
        for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_allclose(sa[k]._data, sb[k].numpy(), rtol=1e-5, atol=1e-7)


def test_param_groups_with_options_match_torch():
    torch = pytest.importorskip("torch")
    _compare(lambda p: sj.optim.SGD([{"params": p[:2]}, {"params": p[2:], "lr": 0.01,
                                                          "momentum": 0.5}], lr=0.1, momentum=0.9),
             lambda p: torch.optim.SGD([{"params": p[:2]}, {"params": p[2:], "lr": 0.01,
                                                             "momentum": 0.5}], lr=0.1, momentum=0.9))


def test_float64_and_mixed_dtypes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrs = [rng.standard_normal((3, 2)), rng.standard_normal(4).astype(np.float32)]
    ps = [Parameter(a.copy()) for a in arrs]
    pt = [torch.nn.Parameter(torch.tensor(a.copy())) for a in arrs]
    o1, o2 = sj.optim.Adam(ps, lr=0.1), torch.optim.Adam(pt, lr=0.1)
    assert o1._flat[id(o1.param_groups[0])] is None  # mixed dtypes: per-parameter path
    for _ in range(5):
        for a, b in zip(ps, pt):
            g = rng.standard_normal(a.shape).astype(a._data.dtype)
            _set_grad(a, g)
            b.grad = torch.tensor(g)
        o1.step()
        o2.step()
    for a, b in zip(ps, pt):
        assert a._data.dtype == b.detach().numpy().dtype
        np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=1e-5)


# --------------------------------------------------------------- flat buffer
def _model_params():
    rng = np.random.default_rng(2)
    return [Parameter(rng.standard_normal(s).astype(np.float32)) for s in [(4, 3), (4,), (2, 4)]]


def test_flat_buffer_layout_and_backward_lands_in_it():
    ps = _model_params()
    values = [p._data.copy() for p in ps]
    opt = sj.optim.Adam(ps)
    fg = opt._flat[id(opt.param_groups[0])]
    assert isinstance(fg, _FlatGroup)
    for p, v, dv in zip(ps, values, fg.data_views):
        assert p._data is dv and np.shares_memory(p._data, fg.data)
        np.testing.assert_array_equal(p._data, v)
    x = sj.tensor(np.ones(3, np.float32))
    loss = ((ps[0] @ x + ps[1]).sum() * 2.0 + ps[2].sum())
    loss.backward()
    for p, gv in zip(ps, fg.grad_views):
        assert p.grad._data is gv
    np.testing.assert_array_equal(ps[0].grad._data, np.full((4, 3), 2.0, np.float32))
    opt.zero_grad()
    assert all(p.grad is None for p in ps)
    loss = (ps[0].sum() * 3.0)
    loss.backward()
    assert ps[0].grad._data is fg.grad_views[0]
    assert ps[1].grad is None
    opt.zero_grad(set_to_none=False)
    assert ps[0].grad is not None and not ps[0].grad._data.any()


def test_zero_grad_keeps_values_of_a_held_gradient():
    ps = _model_params()
    opt = sj.optim.SGD(ps, lr=0.1)
    _set_grad(ps[0], np.ones((4, 3), np.float32))
    held = ps[0].grad
    opt.zero_grad()
    _set_grad(ps[0], np.full((4, 3), 5.0, np.float32))
    np.testing.assert_array_equal(held._data, 1.0)  # not overwritten by the new gradient


def test_rebound_data_and_manual_grad_fall_back_correctly():
    torch = pytest.importorskip("torch")
    ps = _model_params()
    pt = [torch.nn.Parameter(torch.tensor(p._data.copy())) for p in ps]
    o1 = sj.optim.SGD(ps, lr=0.1, momentum=0.9)
    o2 = torch.optim.SGD(pt, lr=0.1, momentum=0.9)
    rng = np.random.default_rng(3)
    for step in range(6):
        if step == 2:  # rebind a parameter's values
            new = rng.standard_normal((4,)).astype(np.float32)
            ps[1].data = sj.tensor(new)
            with torch.no_grad():
                pt[1].data = torch.tensor(new)
        for a, b in zip(ps, pt):
            g = rng.standard_normal(a.shape).astype(np.float32)
            if step % 2:
                a.grad = sj.tensor(g)  # set by hand: not the buffer view
            else:
                _set_grad(a, g)
            b.grad = torch.tensor(g)
        o1.step()
        o2.step()
        for a, b in zip(ps, pt):
            np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=1e-5, atol=1e-7)
    fg = o1._flat[id(o1.param_groups[0])]
    assert ps[1]._data is fg.data_views[1]  # re-flattened


def test_changed_shape_leaves_flat_scheme():
    ps = _model_params()
    opt = sj.optim.SGD(ps, lr=1.0)
    ps[1].data = sj.tensor(np.zeros(7, np.float32))
    for p in ps:
        _set_grad(p, np.ones(p.shape, np.float32))
    before = ps[0]._data.copy()
    opt.step()
    np.testing.assert_allclose(ps[0]._data, before - 1)
    np.testing.assert_allclose(ps[1]._data, -np.ones(7))
    assert opt._flat[id(opt.param_groups[0])] is None


def test_frozen_and_added_params():
    ps = _model_params()
    frozen = Parameter(np.ones(3, np.float32), requires_grad=False)
    opt = sj.optim.Adam(ps + [frozen], lr=0.1)
    extra = Parameter(np.ones(2, np.float32))
    opt.add_param_group({"params": [extra], "lr": 0.5})
    for p in ps + [extra]:
        _set_grad(p, np.ones(p.shape, np.float32))
    opt.step()
    np.testing.assert_allclose(extra._data, 0.5, rtol=1e-5)
    np.testing.assert_array_equal(frozen._data, 1.0)
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_state_dict_round_trip_resumes_exactly():
    init, grads = _data(4)
    ps = [Parameter(a.copy()) for a in init]
    opt = sj.optim.Adam(ps, lr=0.01, amsgrad=True)
    for t in range(STEPS):
        if t == 10:
            saved_params = [p._data.copy() for p in ps]
            saved = pickle.loads(pickle.dumps(opt.state_dict()))
        for i, p in enumerate(ps):
            if (t + i) % 5:
                _set_grad(p, grads[t][i])
            else:
                p.grad = None
        opt.step()
    final = [p._data.copy() for p in ps]
    assert set(saved) == {"state", "param_groups"}
    assert saved["param_groups"][0]["params"] == list(range(len(ps)))
    assert set(saved["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    # a fresh optimizer on the saved parameters, loaded from the saved state
    ps2 = [Parameter(a.copy()) for a in saved_params]
    opt2 = sj.optim.Adam(ps2, lr=0.5)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 0.01
    for t in range(10, STEPS):
        for i, p in enumerate(ps2):
            if (t + i) % 5:
                _set_grad(p, grads[t][i])
            else:
                p.grad = None
        opt2.step()
    for a, b in zip(final, ps2):
        np.testing.assert_array_equal(a, b._data)
    sd = opt2.state_dict()
    fg = opt2._flat[id(opt2.param_groups[0])]
    assert np.shares_memory(sd["state"][0]["exp_avg"]._data, fg.state["exp_avg"][0])
    copy.deepcopy(sd)


def test_load_state_dict_from_torch():
    torch = pytest.importorskip("torch")
    init, grads = _data(5)
    pt = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    ot = torch.optim.SGD(pt, lr=0.05, momentum=0.9)
    for t in range(3):
        for p, g in zip(pt, grads[t]):
            p.grad = torch.tensor(g)
        ot.step()
    ps = [Parameter(p.detach().numpy().copy()) for p in pt]
    os_ = sj.optim.SGD(ps, lr=0.05, momentum=0.9)
    os_.load_state_dict(ot.state_dict())
    for t in range(3, 8):
        for a, b, g in zip(ps, pt, grads[t]):
            _set_grad(a, g)
            b.grad = torch.tensor(g)
        os_.step()
        ot.step()
    for a, b in zip(ps, pt):
        np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=1e-5, atol=1e-7)


def test_load_state_dict_mismatch_errors():
    opt = sj.optim.SGD(_model_params(), lr=0.1)
    other = sj.optim.SGD(_model_params()[:2], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())
    two = sj.optim.SGD([{"params": _model_params()}, {"params": _model_params()}], lr=0.1)
    with pytest.raises(ValueError, match="number of parameter groups"):
        opt.load_state_dict(two.state_dict())


def test_closure_and_real_training_decreases_loss():
    w = Parameter(np.zeros(3, np.float32))
    target = sj.tensor(np.array([1.0, -2.0, 0.5], np.float32))
    opt = sj.optim.Adam([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = ((w - target) * (w - target)).sum()
        loss.backward()
        return loss

    first = float(opt.step(closure))
    for _ in range(200):
        last = float(opt.step(closure))
    assert last < first * 1e-3


# --------------------------------------------------------------- errors
@pytest.mark.parametrize("make,msg", [
    (lambda p: sj.optim.SGD(p, lr=-1.0), "Invalid learning rate: -1.0"),
    (lambda p: sj.optim.SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: sj.optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: sj.optim.Adam(p, lr=-1.0), "Adam: Invalid learning rate: -1.0"),
    (lambda p: sj.optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: sj.optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: sj.optim.Adam(p, eps=-1e-8), "Invalid epsilon value"),
    (lambda p: sj.optim.AdamW(p, weight_decay=-1.0), "AdamW: Invalid weight_decay value: -1.0"),
    (lambda p: sj.optim.RMSprop(p, alpha=-0.1), "Invalid alpha value: -0.1"),
    (lambda p: sj.optim.Adam([{"params": p, "lr": -2.0}]), "Invalid learning rate: -2.0"),
])
def test_invalid_hyperparameters(make, msg):
    with pytest.raises(ValueError, match=msg):
        make(_model_params())


def test_bad_params_arguments():
    p = _model_params()
    with pytest.raises(TypeError, match="iterable of Tensors"):
        sj.optim.SGD(p[0], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        sj.optim.Adam([])
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        sj.optim.SGD([np.ones(3)], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        sj.optim.SGD([{"params": p}, {"params": p[:1]}], lr=0.1)
    nonleaf = p[0] * 2.0
    with pytest.raises(ValueError, match="non-leaf"):
        sj.optim.SGD([nonleaf], lr=0.1)


def test_repr_and_named_params():
    p = _model_params()
    opt = sj.optim.AdamW([("a", p[0]), ("b", p[1])], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["a", "b"]
    assert "AdamW (" in repr(opt) and "weight_decay: 0.01" in repr(opt)


def _adam_after_one_step(model):
    opt = sj.optim.Adam(model.parameters())
    model(sj.randn(4, model.in_features)).sum().backward()
    opt.step()
    return opt


def test_load_state_dict_of_another_model_is_a_clear_error():
    # bug: NumPy's "could not broadcast input array" surfaced at the next step
    saved = _adam_after_one_step(sj.nn.Linear(3, 2)).state_dict()
    other = sj.nn.Linear(5, 4)
    opt = sj.optim.Adam(other.parameters())
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 has shape \(2, 3\), "
                                         r"but the parameter has shape \(4, 5\)"):
        opt.load_state_dict(saved)
    assert len(opt.state) == 0  # nothing half-loaded


@pytest.mark.parametrize("bad", [None, {"foo": 1}, [1, 2]])
def test_load_state_dict_of_garbage_is_a_clear_error(bad):
    # bug: KeyError 'param_groups' / TypeError 'NoneType' object is not subscriptable
    opt = sj.optim.Adam(sj.nn.Linear(3, 2).parameters())
    with pytest.raises(ValueError, match="Adam.load_state_dict: expected an optimizer state_dict"):
        opt.load_state_dict(bad)


def test_param_group_without_params_and_reused_generator():
    # bug: a bare KeyError 'params'; an exhausted generator gave no hint
    w = sj.nn.Parameter(sj.zeros(2))
    with pytest.raises(ValueError, match="param_group must have a 'params' entry"):
        sj.optim.SGD([{"lr": 0.1}], lr=0.1)
    with pytest.raises(ValueError, match="param_group must have a 'params' entry"):
        sj.optim.SGD({"w": w}, lr=0.1)
    gen = sj.nn.Linear(3, 2).parameters()
    sj.optim.SGD(gen, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list.*generator"):
        sj.optim.SGD(gen, lr=0.1)


def test_adam_betas_must_be_a_pair():
    # bug: "not enough values to unpack"
    with pytest.raises(ValueError, match=r"Adam: betas must be a pair"):
        sj.optim.Adam([sj.nn.Parameter(sj.zeros(2))], betas=(0.9,))
