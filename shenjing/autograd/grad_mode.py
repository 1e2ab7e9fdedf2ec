"""Global switch for graph recording: no_grad, enable_grad, set_grad_enabled."""
import functools
import threading

_state = threading.local()


def is_grad_enabled():
    """True when new operations record a graph for backward."""
    return getattr(_state, "enabled", True)


def _set_enabled(flag):
    _state.enabled = bool(flag)


class _GradModeContext:
    """Base for context managers that also work as decorators."""

    _target = True

    def __new__(cls, *args, **kwargs):
        # bare decorator use (@no_grad without parentheses) passes the function itself
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(self._target)
        return self

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            ctx = object.__new__(self.__class__)
            ctx._target = self._target
            with ctx:
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Operations inside record no graph (inference, weight updates)."""

    _target = False


class enable_grad(_GradModeContext):
    """Re-enables graph recording inside a no_grad block."""

    _target = True


class set_grad_enabled(_GradModeContext):
    """Sets graph recording on or off; usable as a function or a context manager."""

    def __init__(self, mode):
        self._target = bool(mode)
        self._prev = is_grad_enabled()
        _set_enabled(mode)  # takes effect immediately, like torch

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode = self._target
        _set_enabled(self._prev)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class inference_mode(no_grad):
    """Alias of no_grad (shenjing has no separate inference tensors)."""

    def __init__(self, mode=True):
        self._target = not mode
