"""Build the optional C extensions; everything else is in pyproject.toml.

The extensions only speed up and slim down what dedup does in pure Python anyway, so a
machine without a C compiler still installs dedup (``optional=True``) and runs the
Python fallbacks, with the same output.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("dedup._u64set", ["dedup/_u64set.c"], optional=True),
        Extension("dedup._fold", ["dedup/_fold.c"], depends=["dedup/_utf8.h"], optional=True),
        Extension("dedup._repeats", ["dedup/_repeats.c"], optional=True),
        Extension("dedup._lines", ["dedup/_lines.c"], optional=True),
        Extension(
            "dedup._sentences", ["dedup/_sentences.c"], depends=["dedup/_utf8.h"], optional=True
        ),
        Extension("dedup._prefilter", ["dedup/_prefilter.c"], optional=True),
        Extension("dedup._nested", ["dedup/_nested.c"], depends=["dedup/_utf8.h"], optional=True),
    ]
)
