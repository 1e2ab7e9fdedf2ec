"""Random number generation: one global generator, seeded by manual_seed."""
import json

import numpy as np

_DEFAULT_SEED = 5489


class Generator:
    """A seedable source of random numbers (wraps NumPy's PCG64)."""

    def __init__(self, device="cpu"):
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (JSON text of NumPy's PCG64 state)."""
        from .tensor import Tensor
        text = json.dumps(self._rng.bit_generator.state).encode()
        return Tensor._make(np.frombuffer(text, np.uint8).copy(), None)

    def set_state(self, state):
        data = state._data if hasattr(state, "_data") else np.asarray(state)
        try:
            st = json.loads(np.asarray(data, np.uint8).tobytes().decode())
            self._rng.bit_generator.state = st
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError(f"Generator.set_state: not a shenjing generator state ({e})") from None


default_generator = Generator()
default_generator.manual_seed(_DEFAULT_SEED)


def manual_seed(seed):
    """Seed the global generator so that runs repeat exactly."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _gen(generator=None):
    """The NumPy Generator behind ``generator`` or the global one."""
    return (generator or default_generator)._rng
