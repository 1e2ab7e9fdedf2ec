"""Broadcasting arithmetic and matmul: forward and gradients against PyTorch and
float64 finite differences, dtype rules, and the shape errors."""
import numpy as np
import pytest

import shenjing as sj
from helpers import check_grad, check_torch

BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((1,), (2, 3)),
                   ((), (2, 3)), ((4, 1), (1, 5))]
BINARY = {"add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b,
          "mul": lambda m, a, b: a * b, "div": lambda m, a, b: a / b,
          "pow": lambda m, a, b: a ** b}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS)
def test_binary_torch_parity(name, shapes):
    check_torch(BINARY[name], *shapes, positive=name in ("div", "pow"))


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS[1:4])
def test_binary_gradcheck(name, shapes):
    fn = BINARY[name]
    check_grad(lambda a, b: fn(sj, a, b), *shapes, positive=name in ("div", "pow"))


@pytest.mark.parametrize("fn", [lambda m, a: -a, lambda m, a: 2.5 - a, lambda m, a: 3.0 / a,
                                lambda m, a: a ** 2, lambda m, a: a ** 0.5, lambda m, a: 2 ** a,
                                lambda m, a: a * 3 + 1, lambda m, a: 1 + a, lambda m, a: a / 4,
                                lambda m, a: a.add(a, alpha=2), lambda m, a: a.sub(a * a, alpha=3)])
def test_scalar_operands_torch_parity(fn):
    check_torch(fn, (3, 4), positive=True)
    check_grad(lambda a: fn(sj, a), (3, 4), positive=True)


def test_broadcast_gradients_reduce_to_input_shapes():
    a = sj.randn(3, 1, requires_grad=True)
    b = sj.randn(1, 4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4)
    np.testing.assert_allclose(a.grad.numpy()[:, 0], b.detach().numpy().sum() * np.ones(3), rtol=1e-5)


MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 5)), ((3, 4), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                 ((4,), (2, 4, 5)), ((2, 3, 4), (4,))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_torch_parity(shapes):
    check_torch(lambda m, a, b: m.matmul(a, b), *shapes)
    check_torch(lambda m, a, b: a @ b, *shapes)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_gradcheck(shapes):
    check_grad(lambda a, b: a @ b, *shapes)


def test_mm_bmm_dot_methods():
    check_torch(lambda m, a, b: a.mm(b), (3, 4), (4, 2))
    check_torch(lambda m, a, b: a.bmm(b), (2, 3, 4), (2, 4, 2))
    check_torch(lambda m, a, b: a.dot(b), (4,), (4,))


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    check_torch(lambda m, x, w, b: (sj.ops.linear(x, w, b) if m is sj
                                    else torch.nn.functional.linear(x, w, b)), (2, 3, 4), (5, 4), (5,))
    check_grad(lambda x, w, b: sj.ops.linear(x, w, b), (3, 4), (5, 4), (5,))
    check_grad(lambda x, w: sj.ops.linear(x, w), (2, 3, 4), (5, 4))


@pytest.mark.parametrize("dtype", [sj.float32, sj.float64, sj.int64])
def test_python_scalars_keep_tensor_dtype(dtype):
    x = sj.ones(2, 3, dtype=dtype)
    for y in (x + 2, 2 + x, x - 2, 2 - x, x * 3, 3 * x, x ** 2, -x):
        assert y.dtype == dtype
    if dtype.kind == "f":
        for y in (x / 2, 2 / x, x * 2.5, 2.5 * x, x ** 0.5, 2.0 ** x, x + np.float64(1)):
            assert y.dtype == dtype


def test_int_tensor_with_float_scalar_becomes_default_float():
    x = sj.tensor([1, 2, 3])
    assert (x * 1.5).dtype == sj.float32 and (1.5 + x).dtype == sj.float32


def test_integer_division_gives_float32():
    a, b = sj.tensor([1, 2, 3]), sj.tensor([2, 2, 2])
    for y in (a / b, a / 2, 2 / a, a.div(b), sj.div(a, b)):
        assert y.dtype == sj.float32
    np.testing.assert_allclose((a / b).numpy(), [0.5, 1.0, 1.5])


@pytest.mark.parametrize("pair", [("int64", "float32"), ("float32", "float64"), ("bool", "int64"),
                                  ("int32", "int64"), ("bool", "float32"), ("int64", "float64")])
@pytest.mark.parametrize("zero_dim", [None, 0, 1])
def test_tensor_type_promotion_matches_torch(pair, zero_dim):
    torch = pytest.importorskip("torch")
    shapes = [(3,), (3,)]
    if zero_dim is not None:
        shapes[zero_dim] = ()
    ours = [sj.ones(s, dtype=getattr(sj, d)) for s, d in zip(shapes, pair)]
    theirs = [torch.ones(s, dtype=getattr(torch, d)) for s, d in zip(shapes, pair)]
    for op in (lambda a, b: a + b, lambda a, b: b * a):
        assert str(op(*ours).dtype) == str(op(*theirs).dtype).replace("torch.", "")


def test_mixed_dtype_gradients_flow_in_each_dtype():
    a = sj.ones(3, dtype=sj.float64, requires_grad=True)
    b = sj.ones(3, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == sj.float64 and b.grad.dtype == sj.float32


def test_matmul_shape_mismatch_error_names_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4, 5\)"):
        sj.randn(2, 3) @ sj.randn(4, 5)
    with pytest.raises(RuntimeError, match=r"\(2, 3, 4\).*\(5, 4, 2\)"):
        sj.randn(2, 3, 4) @ sj.randn(5, 4, 2)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        sj.tensor(2.0) @ sj.randn(3)


def test_broadcast_mismatch_is_an_error():
    with pytest.raises(RuntimeError, match=r"add: shapes \(2, 3\), \(4,\) cannot be broadcast"):
        sj.ones(2, 3) + sj.ones(4)


def test_integer_negative_power_raises():
    with pytest.raises(RuntimeError, match="negative integer powers"):
        sj.tensor([1, 2]) ** -1


def test_floor_divide_and_remainder_match_torch():
    torch = pytest.importorskip("torch")
    a, b = [7, -7, 5], [2, 2, -3]
    assert (sj.tensor(a) // sj.tensor(b)).tolist() == (torch.tensor(a) // torch.tensor(b)).tolist()
    assert (sj.tensor(a) % sj.tensor(b)).tolist() == (torch.tensor(a) % torch.tensor(b)).tolist()


@pytest.mark.parametrize("op", ["sub", "mul", "div", "pow", "maximum", "minimum", "eq", "lt"])
def test_broadcast_mismatch_names_the_op(op):
    # bug: every op but matmul let NumPy's bare "operands could not be broadcast" escape
    with pytest.raises(RuntimeError, match=r"shapes \(2, 3\), \(4, 5\) cannot be broadcast.*"
                                           r"sizes \[3, 5\] clash at dimension 1"):
        getattr(sj, op)(sj.ones(2, 3), sj.ones(4, 5))


def test_integer_division_by_zero_raises():
    # regression: int // 0 silently gave 0 (NumPy); PyTorch raises
    import pytest
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        sj.tensor([4, 2]) // sj.tensor([1, 0])
    with pytest.raises(ZeroDivisionError, match="remainder"):
        sj.tensor([4, 2]) % 0
    assert (sj.tensor([4.0]) // 0).isinf().all()
