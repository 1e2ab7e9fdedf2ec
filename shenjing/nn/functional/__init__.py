"""Stateless functions behind every layer: ``F.relu(x)``, ``F.cross_entropy(y, t)``, ...

One module per family, mirroring shenjing/nn/; the math (forward and backward) of
each lives in shenjing/ops/.
"""
from .activation import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
