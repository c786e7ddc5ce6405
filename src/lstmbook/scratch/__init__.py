"""LSTM, GRU and RNN from scratch in NumPy, with hand-written backpropagation
through time.

Layers follow one contract, ``out, cache = layer.forward(x)`` and
``dx, grads = layer.backward(dout, cache)``, with ``grads`` keyed like
``layer.params``; the weight layouts are those of Keras 3, so weights copy
across with ``set_weights`` unchanged.
"""

from .activations import log_softmax, sigmoid, softmax
from .clip import clip_by_global_norm, global_norm
from .dense import Dense, DenseCache
from .gradient_check import gradcheck, numeric_gradient, relative_error
from .gru import GRU, GRUCache
from .losses import mse_loss, softmax_cross_entropy
from .lstm import LSTM, LSTMCache
from .model import Sequential
from .optim import SGD, Adam, Optimizer, RMSprop
from .rnn import RNNCache, SimpleRNN

__all__ = [
    "GRU",
    "LSTM",
    "SGD",
    "Adam",
    "Dense",
    "DenseCache",
    "GRUCache",
    "LSTMCache",
    "RNNCache",
    "Optimizer",
    "RMSprop",
    "Sequential",
    "SimpleRNN",
    "clip_by_global_norm",
    "global_norm",
    "gradcheck",
    "log_softmax",
    "mse_loss",
    "numeric_gradient",
    "relative_error",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
]
