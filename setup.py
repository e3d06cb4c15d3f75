"""Build the optional C extension; everything else is in pyproject.toml.

The extension only speeds up and slims down what dedup does in pure Python anyway, so a
machine without a C compiler still installs dedup (``optional=True``) and runs the
Python fallback, with the same output.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("dedup._u64set", ["dedup/_u64set.c"], optional=True)])
