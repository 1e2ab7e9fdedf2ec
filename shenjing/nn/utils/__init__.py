"""Utilities for layers: gradient clipping, packed sequences, flat parameter vectors."""
from . import rnn  # noqa: F401
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,  # noqa: F401
                        parameters_to_vector, vector_to_parameters)
from .rnn import PackedSequence  # noqa: F401
