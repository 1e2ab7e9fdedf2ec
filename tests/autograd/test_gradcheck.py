"""gradcheck itself: it accepts correct backwards, catches wrong ones, and refuses
float32 inputs (finite differences there are too coarse)."""
import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import Function, GradcheckError, gradcheck


class _WrongSquare(Function):
    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return g * self.a  # missing the factor 2


def _x(*shape):
    return sj.randn(*shape, dtype=sj.float64, requires_grad=True)


def test_accepts_a_correct_backward():
    assert gradcheck(lambda a, b: (a * b).exp(), (_x(3), _x(2, 3)))
    assert gradcheck(lambda a: a.max(1), _x(2, 3))  # tuple output with an integer part


def test_catches_a_wrong_backward_and_names_the_input():
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(4,\)\)"):
        gradcheck(_WrongSquare.apply, (_x(4),))
    assert gradcheck(_WrongSquare.apply, (_x(4),), raise_exception=False) is False


def test_refuses_float32_inputs():
    with pytest.raises(GradcheckError, match="float64"):
        gradcheck(lambda a: a * 2, (sj.randn(3, requires_grad=True),))


def test_needs_an_input_that_requires_grad():
    with pytest.raises(GradcheckError, match="no output depends"):
        gradcheck(lambda a: a * 2, (sj.randn(3, dtype=sj.float64),))


def test_leaves_inputs_unchanged():
    x = _x(2, 2)
    before = x.detach().numpy().copy()
    gradcheck(lambda a: a.sin(), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)


def test_non_contiguous_inputs_are_checked():
    base = sj.randn(3, 4, dtype=sj.float64)
    x = base.t().detach().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda a: a @ a.t(), (x,))
