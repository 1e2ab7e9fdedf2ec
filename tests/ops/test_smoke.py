from helpers import check_grad, check_torch


def test_mul_broadcast_grad():
    check_grad(lambda a, b: a * b, (3, 4), (4,))


def test_matmul_torch():
    check_torch(lambda m, a, b: m.matmul(a, b), (2, 3, 4), (4, 5))
