"""The backward engine and graph bookkeeping: accumulation, retain_graph, freed
graphs, grad modes, leaves and hooks, topological order."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import Function


def test_backward_accumulates_into_grad_across_calls():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_second_backward_through_freed_graph_is_a_clear_error():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_backward_on_non_scalar_needs_a_gradient():
    x = sj.ones(2, 3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 3\)"):
        y.backward()
    y.backward(sj.full((2, 3), 0.5))
    assert np.all(x.grad.numpy() == 1.0)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        (x * 2).backward(sj.ones(3))


def test_backward_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        sj.ones(2).sum().backward()


def test_diamond_graph_order_is_topological():
    # b feeds both c and d; d also feeds c: b must wait for both consumers
    x = sj.tensor(2.0, requires_grad=True)
    b = x * 3
    d = b * b
    c = b + d
    c.backward()
    assert x.grad.item() == pytest.approx(3 + 2 * 6 * 3)


def test_deep_chain_does_not_recurse():
    x = sj.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_no_grad_enable_grad_set_grad_enabled():
    x = sj.ones(2, requires_grad=True)
    with sj.no_grad():
        assert not (x * 2).requires_grad and not sj.is_grad_enabled()
        with sj.enable_grad():
            assert (x * 2).requires_grad
    assert sj.is_grad_enabled()
    with sj.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    sj.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        sj.set_grad_enabled(True)


def test_grad_modes_as_decorators():
    x = sj.ones(2, requires_grad=True)

    @sj.no_grad()
    def f():
        return (x * 2).requires_grad

    @sj.no_grad
    def g():
        return (x * 2).requires_grad

    @sj.set_grad_enabled(False)
    def h():
        return (x * 2).requires_grad

    assert sj.is_grad_enabled()  # decorating does not switch the mode
    assert not f() and not g() and not h()
    assert sj.is_grad_enabled()
    with sj.no_grad():
        assert sj.enable_grad()(lambda: (x * 2).requires_grad)()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with sj.no_grad():
            raise ValueError
    assert sj.is_grad_enabled()


def test_leaves_detach_and_requires_grad_():
    x = sj.ones(2)
    assert x.is_leaf and not x.requires_grad and x.grad_fn is None
    x.requires_grad_()
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.requires_grad
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.numpy(), y.detach().numpy())
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        sj.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        sj.tensor([1, 2], requires_grad=True)


def test_grad_fn_repr_and_next_functions():
    x = sj.ones(2, requires_grad=True)
    assert repr((x + 1).grad_fn) == "<AddBackward0>"
    assert repr((x * x).grad_fn) == "<MulBackward0>"
    assert repr(x.sum().grad_fn) == "<SumBackward0>"
    y = x.exp() + 1
    (fn, _), _ = y.grad_fn.next_functions()
    assert repr(fn) == "<ExpBackward0>"


def test_retain_grad_keeps_non_leaf_gradients():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = y * y
    z.sum().backward()
    assert y.grad.tolist() == [6.0, 12.0] and y.retains_grad
    assert z.grad is None


def test_register_hook_sees_and_replaces_the_gradient():
    x = sj.tensor([1.0, 2.0], dtype=sj.float64, requires_grad=True)
    seen = []
    y = x * 2
    y.register_hook(lambda g: seen.append(g.tolist()))
    handle = x.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    assert seen == [[4.0, 8.0]]
    assert x.grad.tolist() == [80.0, 160.0] and x.grad.dtype == sj.float64
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_hook_receives_gradient_in_the_tensor_dtype():
    x = sj.ones(2, dtype=sj.float64, requires_grad=True)
    dtypes = []
    x.register_hook(lambda g: dtypes.append(g.dtype))
    (x * 2).sum().backward()
    assert dtypes == [sj.float64]


def test_multiple_outputs_backward_together():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    a, b = (x * 2).sum(), (x * x).sum()
    sj.autograd.backward([a, b])
    assert x.grad.tolist() == [4.0, 6.0]


def test_autograd_grad_returns_without_accumulating():
    x = sj.tensor([1.0, 3.0], requires_grad=True)
    (g,) = sj.autograd.grad((x * x).sum(), x)
    assert g.tolist() == [2.0, 6.0] and x.grad is None


def test_only_needed_input_gradients_are_computed():
    class Probe(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, g):
            Probe.seen = self.needs_input_grad
            return g, None

    x, c = sj.ones(2, requires_grad=True), sj.ones(2)
    Probe.apply(x, c).sum().backward()
    assert Probe.seen == (True, False)


def test_wrong_gradient_shape_from_a_backward_names_the_op():
    class Bad(Function):
        def forward(self, a):
            return a * 2

        def backward(self, g):
            return np.ones((7,))

    with pytest.raises(RuntimeError, match=r"Bad.backward.*\(7,\).*\(2, 3\)"):
        Bad.apply(sj.ones(2, 3, requires_grad=True)).sum().backward()


def test_multi_output_function_with_integer_output():
    x = sj.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    values, indices = x.max(1)
    assert values.requires_grad and not indices.requires_grad
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_leaf_hook_runs_once_on_the_summed_gradient():
    x = sj.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.tolist()))
    (x * x + x).sum().backward()
    assert calls == [[3.0, 5.0]] and x.grad.tolist() == [3.0, 5.0]
