"""lstmbook: the code behind the LSTM book."""

__version__ = "0.1.0"
