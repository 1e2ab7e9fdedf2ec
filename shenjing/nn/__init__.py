"""Neural-network building blocks: Module, Parameter, and layers by family."""
from . import functional, init  # noqa: F401
from .module import Module
from .parameter import Parameter
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .activation import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403
from . import utils  # noqa: F401,E402
