"""course_lib: the tested library behind the RNN course's chapters."""

__version__ = "0.1.0"
