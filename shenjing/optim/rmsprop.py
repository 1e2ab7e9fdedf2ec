"""RMSprop: divide the gradient by a running root mean square of its recent values."""
import numpy as np

from .optimizer import Optimizer, _check, _descent_grad, _lerp_


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), optionally centered and with momentum.

    For each parameter :math:`\theta` with gradient :math:`g_t`:

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize}, \qquad
        g_t \leftarrow g_t + \lambda\,\theta_{t-1} \quad\text{(weight decay } \lambda) \\
        v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2 \\
        \bar g_t &= \alpha\, \bar g_{t-1} + (1-\alpha)\, g_t \quad\text{(centered only)} \\
        s_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \quad\text{(centered) or}\quad
               \sqrt{v_t} + \epsilon \\
        b_t &= \mu\, b_{t-1} + g_t / s_t, \qquad \theta_t = \theta_{t-1} - \gamma\, b_t
              \quad\text{(momentum } \mu > 0) \\
        \theta_t &= \theta_{t-1} - \gamma\, g_t / s_t \quad\text{(no momentum)}

    State: ``step``, ``square_avg`` (:math:`v`), ``grad_avg`` (:math:`\bar g`, centered)
    and ``momentum_buffer`` (:math:`b`, momentum > 0), all starting at zero.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, capturable=capturable,
                        foreach=foreach, maximize=maximize, differentiable=differentiable)
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        _check("RMSprop", g["lr"] >= 0.0, "learning rate", g["lr"])
        _check("RMSprop", g["eps"] >= 0.0, "epsilon value", g["eps"])
        _check("RMSprop", g["momentum"] >= 0.0, "momentum value", g["momentum"])
        _check("RMSprop", g["weight_decay"] >= 0.0, "weight_decay value", g["weight_decay"])
        _check("RMSprop", g["alpha"] >= 0.0, "alpha value", g["alpha"])

    def _state_names(self, group):
        names = ("square_avg",)
        if group["momentum"] > 0:
            names += ("momentum_buffer",)
        if group["centered"]:
            names += ("grad_avg",)
        return names

    def _phase(self, group, state):
        return None  # the update does not depend on the step count

    def _update(self, group, p, g, bufs, _, t1, t2):
        lr, alpha, eps = float(group["lr"]), group["alpha"], group["eps"]
        wd, momentum = group["weight_decay"], group["momentum"]
        g = _descent_grad(g, p, group["maximize"], wd, t1, t2)
        v = bufs["square_avg"]
        v *= alpha                                   # v = alpha v + (1 - alpha) g^2
        np.multiply(g, 1 - alpha, out=t2)
        t2 *= g
        v += t2
        if group["centered"]:
            ga = bufs["grad_avg"]
            _lerp_(ga, g, 1 - alpha, t2)             # gbar = alpha gbar + (1 - alpha) g
            np.multiply(ga, ga, out=t2)
            np.subtract(v, t2, out=t2)
            np.sqrt(t2, out=t2)
        else:
            np.sqrt(v, out=t2)
        t2 += eps
        if momentum > 0:
            buf = bufs["momentum_buffer"]
            buf *= momentum
            np.divide(g, t2, out=t2)
            buf += t2
            np.multiply(buf, -lr, out=t2)
        else:
            np.divide(g, t2, out=t2)
            t2 *= -lr
        p += t2
