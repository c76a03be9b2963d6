"""prefhub: collect human preference data to align AI models."""

__version__ = "0.1.0"
