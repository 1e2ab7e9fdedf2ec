"""Adam: adaptive moment estimation, with optional AMSGrad and weight decay."""
import numpy as np

from .optimizer import Optimizer, _check, _descent_grad, _lerp_


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), with bias correction and optional AMSGrad.

    For each parameter :math:`\theta` with gradient :math:`g_t` at its step
    :math:`t` (counted per parameter, ``state[p]["step"]``):

    .. math::
        g_t &\leftarrow -g_t \quad\text{if maximize} \\
        g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \quad\text{(L2 weight decay; with
              decoupled decay instead } \theta_{t-1} \leftarrow (1-\gamma\lambda)\,\theta_{t-1}) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \quad\text{if amsgrad, else } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
              \frac{m_t}{\sqrt{\hat v_t}\,/\sqrt{1-\beta_2^t} + \epsilon}

    :math:`m, v, \hat v` are ``state[p]["exp_avg"]``, ``["exp_avg_sq"]`` and
    ``["max_exp_avg_sq"]``, all starting at zero. Parameters without a gradient
    are left untouched (their step count does not advance).
    """

    _name = "Adam"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        name = self._name
        _check(name, g["lr"] >= 0.0, "learning rate", g["lr"])
        _check(name, g["eps"] >= 0.0, "epsilon value", g["eps"])
        if len(g["betas"]) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {g['betas']}")
        b1, b2 = g["betas"]
        _check(name, 0.0 <= b1 < 1.0, "beta parameter at index 0", b1)
        _check(name, 0.0 <= b2 < 1.0, "beta parameter at index 1", b2)
        _check(name, g["weight_decay"] >= 0.0, "weight_decay value", g["weight_decay"])

    def _state_names(self, group):
        if group["amsgrad"]:
            return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        return ("exp_avg", "exp_avg_sq")

    def _update(self, group, p, g, bufs, step, t1, t2):
        lr, (beta1, beta2) = float(group["lr"]), group["betas"]
        eps, wd = group["eps"], group["weight_decay"]
        step += 1
        decoupled = group["decoupled_weight_decay"]
        if decoupled and wd != 0:
            p *= 1 - lr * wd                               # AdamW: decay the weights directly
        g = _descent_grad(g, p, group["maximize"], 0 if decoupled else wd, t1, t2)
        m, v = bufs["exp_avg"], bufs["exp_avg_sq"]
        _lerp_(m, g, 1 - beta1, t2)                       # m = b1 m + (1 - b1) g
        v *= beta2                                         # v = b2 v + (1 - b2) g^2
        np.multiply(g, 1 - beta2, out=t2)
        t2 *= g
        v += t2
        if group["amsgrad"]:
            vmax = bufs["max_exp_avg_sq"]
            np.maximum(vmax, v, out=vmax)
            v = vmax
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        if step_size == 0:
            return
        # theta -= step_size * m / (sqrt(v) / sqrt(bc2) + eps), computed as
        # theta += m / (sqrt(v) * c + e) with the scalars folded into the denominator
        np.sqrt(v, out=t2)
        t2 *= -1.0 / (bias_correction2_sqrt * step_size)
        t2 += -eps / step_size
        np.divide(m, t2, out=t2)
        p += t2
