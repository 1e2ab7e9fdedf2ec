"""Differentiable ops, grouped by family; each op's forward and backward side by side.

  arithmetic  add sub mul div neg pow matmul linear
  unary       exp log sqrt abs sin cos clamp cast
  activation  relu leaky_relu sigmoid tanh gelu softplus softmax log_softmax
  reduction   sum mean var std max min amax logsumexp prod norm
  shape       reshape permute expand cat stack split repeat flip pad
  indexing    getitem gather where masked_fill sort topk, comparisons
  loss        nll_loss, binary cross-entropy (fused for numerical stability)
"""
from .activation import (elu, gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax,
                         softplus, tanh)
from .arithmetic import (add, div, floor_divide, linear, matmul, mul, neg, pow, remainder,
                         sub)
from .indexing import (eq, gather, ge, getitem, gt, index_put_rebase, index_select, le,
                       logical_binary, logical_not, lt, masked_fill, ne, sort, topk, where)
from .reduction import (all, amax, amin, any, argmax, argmin, logsumexp, max, maximum, mean,
                        min, minimum, norm, prod, std, sum, var)
from .shape import (cat, chunk, cumsum, expand, flatten, flip, pad, permute, repeat, reshape,
                    split, squeeze, stack, transpose, unbind, unflatten, unsqueeze, view)
from .unary import abs, cast, clamp, clone, cos, exp, log, log1p, sin, sqrt
