"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""
import numpy as np

from .optimizer import Optimizer, _check, _descent_grad


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum).

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`:

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \quad\text{(weight decay } \lambda) \\
        b_t &= \begin{cases} g_t & t = 1 \\ \mu\, b_{t-1} + (1-\tau)\, g_t & t > 1
               \end{cases} \quad\text{(momentum } \mu \ne 0\text{, dampening } \tau) \\
        g_t &\leftarrow \begin{cases} g_t + \mu\, b_t & \text{nesterov} \\ b_t & \text{otherwise}
               \end{cases} \\
        \theta_t &= \theta_{t-1} - \gamma\, g_t \quad\text{(learning rate } \gamma)

    The momentum buffer :math:`b` is ``state[p]["momentum_buffer"]`` (only when
    ``momentum != 0``). Parameters without a gradient are left untouched.
    """

    _has_step = False

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        _check("SGD", g["lr"] >= 0.0, "learning rate", g["lr"])
        _check("SGD", g["momentum"] >= 0.0, "momentum value", g["momentum"])
        _check("SGD", g["weight_decay"] >= 0.0, "weight_decay value", g["weight_decay"])
        if g["nesterov"] and (g["momentum"] <= 0 or g["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={g['momentum']}, dampening={g['dampening']})")

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)

    def _state_names(self, group):
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _initialized_by_update(self, name):
        return True  # the first momentum buffer is a copy of the gradient

    def _phase(self, group, state):
        return "momentum_buffer" in state

    def _update(self, group, p, g, bufs, has_buf, t1, t2):
        lr, wd = float(group["lr"]), group["weight_decay"]
        momentum, dampening = group["momentum"], group["dampening"]
        g = _descent_grad(g, p, group["maximize"], wd, t1, t2)
        d = g
        if momentum != 0:
            buf = bufs["momentum_buffer"]
            if not has_buf:
                np.copyto(buf, g)
            else:
                buf *= momentum
                if dampening == 0:
                    buf += g
                else:
                    np.multiply(g, 1 - dampening, out=t2)
                    buf += t2
            if group["nesterov"]:
                np.multiply(buf, momentum, out=t2)
                np.add(g, t2, out=t2)
                d = t2
            else:
                d = buf
        np.multiply(d, -lr, out=t2)
        p += t2
