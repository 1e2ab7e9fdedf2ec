"""RNN, LSTM, GRU and their cells against PyTorch: outputs, final states, every gradient."""
import numpy as np
import pytest

import shenjing as sj
from shenjing import nn

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-4, 1e-5
KINDS = {"LSTM": (nn.LSTM, "LSTM"), "GRU": (nn.GRU, "GRU"), "RNN": (nn.RNN, "RNN")}


def close(a, b, what):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=what)


def twins(kind, I, H, **kw):
    """The same layer in torch and shenjing (torch's weights loaded from its state_dict)."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(I, H, **kw)
    sm = KINDS[kind][0](I, H, **kw)
    sm.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, sm


def states(kind, L, B, H, seed):
    rng = np.random.default_rng(seed)
    n = 2 if kind == "LSTM" else 1
    return [rng.standard_normal((L, B, H)).astype(np.float32) for _ in range(n)]


def run_both(tm, sm, kind, x, init, packed=None):
    """Forward both, backward a random weighting of everything; return tensors to compare."""
    tx, sx = torch.tensor(x, requires_grad=True), sj.tensor(x, requires_grad=True)
    ti = [torch.tensor(s, requires_grad=True) for s in init]
    si = [sj.tensor(s, requires_grad=True) for s in init]
    targ = sarg = None
    if init:
        targ = tuple(ti) if kind == "LSTM" else ti[0]
        sarg = tuple(si) if kind == "LSTM" else si[0]
    tin, sin = tx, sx
    if packed is not None:
        lengths, bf, es = packed
        tin = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, bf, es)
        sin = nn.utils.rnn.pack_padded_sequence(sx, lengths, bf, es)
    tout, th = tm(tin, targ)
    sout, sh = sm(sin, sarg)
    if packed is not None:
        tout = torch.nn.utils.rnn.pad_packed_sequence(tout, packed[1])[0]
        sout = nn.utils.rnn.pad_packed_sequence(sout, packed[1])[0]
    touts = [tout] + (list(th) if kind == "LSTM" else [th])
    souts = [sout] + (list(sh) if kind == "LSTM" else [sh])
    rng = np.random.default_rng(7)
    tl = sl = 0
    for i, (t, s) in enumerate(zip(touts, souts)):
        close(s, t, f"output {i}")
        w = rng.standard_normal(tuple(t.shape)).astype(np.float32)
        tl = tl + (t * torch.tensor(w)).sum()
        sl = sl + (s * sj.tensor(w)).sum()
    tl.backward()
    sl.backward()
    close(sx.grad, tx.grad, "input grad")
    for k, (a, b) in enumerate(zip(si, ti)):
        close(a.grad, b.grad, f"initial state {k} grad")
    tparams = dict(tm.named_parameters())
    for name, p in sm.named_parameters():
        close(p.grad, tparams[name].grad, f"grad of {name}")


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("num_layers,bidir", [(1, False), (2, False), (1, True), (2, True)])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_init", [False, True])
def test_parity(kind, num_layers, bidir, batch_first, with_init):
    I, H, T, B = 5, 7, 6, 3
    tm, sm = twins(kind, I, H, num_layers=num_layers, bidirectional=bidir,
                   batch_first=batch_first)
    shape = (B, T, I) if batch_first else (T, B, I)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    D = 2 if bidir else 1
    init = states(kind, num_layers * D, B, H, 2) if with_init else []
    run_both(tm, sm, kind, x, init)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("num_layers,bidir", [(1, False), (2, True)])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("with_init", [False, True])
def test_packed_parity(kind, num_layers, bidir, batch_first, enforce_sorted, with_init):
    I, H, T, B = 4, 6, 5, 4
    tm, sm = twins(kind, I, H, num_layers=num_layers, bidirectional=bidir,
                   batch_first=batch_first)
    lengths = [5, 4, 2, 1] if enforce_sorted else [2, 5, 1, 4]
    shape = (B, T, I) if batch_first else (T, B, I)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    D = 2 if bidir else 1
    init = states(kind, num_layers * D, B, H, 4) if with_init else []
    run_both(tm, sm, kind, x, init, packed=(lengths, batch_first, enforce_sorted))


def test_relu_rnn_and_no_bias():
    tm, sm = twins("RNN", 3, 4, nonlinearity="relu", bias=False, num_layers=2)
    x = np.random.default_rng(5).standard_normal((4, 2, 3)).astype(np.float32)
    run_both(tm, sm, "RNN", x, [])


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_unbatched_input(kind):
    tm, sm = twins(kind, 3, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = np.random.default_rng(6).standard_normal((5, 3)).astype(np.float32)
    init = [s[:, 0] for s in states(kind, 4, 1, 4, 8)]
    run_both(tm, sm, kind, x, init)


def test_state_dict_loads_and_names_match():
    tm, sm = twins("LSTM", 5, 8, num_layers=2, bidirectional=True)
    assert list(sm.state_dict().keys()) == list(tm.state_dict().keys())
    for k, v in tm.state_dict().items():
        assert tuple(sm.state_dict()[k].shape) == tuple(v.shape)
    x = np.random.default_rng(9).standard_normal((3, 2, 5)).astype(np.float32)
    close(sm(sj.tensor(x))[0], tm(torch.tensor(x))[0], "output after loading")


def test_init_range_and_generator():
    sj.manual_seed(0)
    a = nn.GRU(3, 16, num_layers=2)
    sj.manual_seed(0)
    b = nn.GRU(3, 16, num_layers=2)
    for (n, p), q in zip(a.named_parameters(), b.parameters()):
        pa, qa = p.detach().numpy(), q.detach().numpy()
        assert np.all(np.abs(pa) <= 0.25) and np.array_equal(pa, qa), n
    assert "GRU(3, 16, num_layers=2)" == repr(a)


def test_dropout_between_layers_only_in_training():
    sj.manual_seed(1)
    m = nn.LSTM(3, 5, num_layers=2, dropout=0.5)
    x = sj.randn(4, 2, 3)
    m.eval()
    e1, e2 = m(x)[0], m(x)[0]
    assert np.array_equal(e1.detach().numpy(), e2.detach().numpy())
    m.train()
    t1, t2 = m(x)[0], m(x)[0]
    assert not np.array_equal(t1.detach().numpy(), t2.detach().numpy())
    with pytest.warns(UserWarning, match="num_layers=1"):
        single = nn.LSTM(3, 5, num_layers=1, dropout=0.5)
    assert np.array_equal(single(x)[0].detach().numpy(),
                          single(x)[0].detach().numpy())


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells(kind):
    torch.manual_seed(0)
    tc = getattr(torch.nn, kind)(4, 6)
    sc = getattr(nn, kind)(4, 6)
    sc.load_state_dict({k: sj.tensor(v.detach().numpy()) for k, v in tc.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    hs = [rng.standard_normal((3, 6)).astype(np.float32) for _ in range(2)]
    tx, sx = torch.tensor(x, requires_grad=True), sj.tensor(x, requires_grad=True)
    th = [torch.tensor(h, requires_grad=True) for h in hs]
    sh = [sj.tensor(h, requires_grad=True) for h in hs]
    if kind == "LSTMCell":
        to, so = tc(tx, tuple(th)), sc(sx, tuple(sh))
    else:
        to, so = (tc(tx, th[0]),), (sc(sx, sh[0]),)
        th, sh = th[:1], sh[:1]
    tl = sum(((o * (k + 1.5)) ** 2).sum() for k, o in enumerate(to))
    sl = sum(((o * (k + 1.5)) ** 2).sum() for k, o in enumerate(so))
    for a, b in zip(so, to):
        close(a, b, "cell output")
    tl.backward()
    sl.backward()
    close(sx.grad, tx.grad, "x grad")
    for a, b in zip(sh, th):
        close(a.grad, b.grad, "state grad")
    tp = dict(tc.named_parameters())
    for n, p in sc.named_parameters():
        close(p.grad, tp[n].grad, n)
    # no state given, and unbatched input
    close(sc(sj.tensor(x[0]))[0] if kind == "LSTMCell" else sc(sj.tensor(x[0])),
          tc(torch.tensor(x[0]))[0] if kind == "LSTMCell" else tc(torch.tensor(x[0])),
          "unbatched cell")


def test_error_2d_input_wrong_features_batch_first():
    m = nn.LSTM(10, 20, batch_first=True)
    with pytest.raises(ValueError) as e:
        m(sj.randn(32, 28))
    assert str(e.value) == ("LSTM: expected input of shape (batch, seq, 10) (batch_first=True) "
                            "or (seq, 10), got (32, 28)")


def test_error_wrong_feature_size():
    with pytest.raises(ValueError, match=r"GRU: expected input of shape \(seq, batch, 3\) "
                                         r"\(batch_first=False\) or \(seq, 3\), got \(5, 2, 4\)"):
        nn.GRU(3, 4)(sj.randn(5, 2, 4))


def test_error_h0_shape():
    m = nn.LSTM(10, 20, num_layers=2)
    h = sj.zeros(1, 4, 20)
    with pytest.raises(ValueError) as e:
        m(sj.randn(7, 4, 10), (h, sj.zeros(2, 4, 20)))
    assert str(e.value) == "LSTM: expected h0 of shape (2, 4, 20), got (1, 4, 20)"
    with pytest.raises(ValueError, match=r"LSTM: expected c0 of shape \(2, 4, 20\)"):
        m(sj.randn(7, 4, 10), (sj.zeros(2, 4, 20), sj.zeros(2, 3, 20)))


def test_error_dtype_mismatch():
    with pytest.raises(TypeError, match="LSTM: input dtype float64 does not match"):
        nn.LSTM(3, 4)(sj.randn(2, 1, 3, dtype=sj.float64))


def test_double_module_runs_in_float64():
    m = nn.GRU(3, 4).double()
    out, h = m(sj.randn(2, 1, 3, dtype=sj.float64))
    assert out.dtype == sj.float64 and h.dtype == sj.float64


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_empty_batch_runs_and_empty_sequence_is_an_error(cls):
    # bug: both raised NumPy's "cannot reshape array of size 0" from inside the kernel
    m = cls(10, 20, batch_first=True, bidirectional=True)
    x = sj.randn(0, 5, 10, requires_grad=True)
    out = m(x)[0]
    assert out.shape == (0, 5, 40)
    out.sum().backward()
    assert x.grad.shape == (0, 5, 10)
    with pytest.raises(ValueError, match=r"sequence length larger than 0.*\(2, 0, 10\)"):
        m(sj.randn(2, 0, 10))
