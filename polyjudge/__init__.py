"""polyjudge: multilingual LLM-safety labelling in the terminal."""

__version__ = "0.1.0"
