"""Build the optional C extensions; everything else is in pyproject.toml.

The extensions only speed up and slim down what dedup does in pure Python anyway, so a
machine without a C compiler still installs dedup (``optional=True``) and runs the
Python fallbacks, with the same output.
"""

from setuptools import Extension, setup

# The headers the sources include; listed so that a change to one rebuilds them.
ARRAYS, UTF8 = "dedup/_arrays.h", "dedup/_utf8.h"
# xxHash's own C library (its BSD 2-Clause License heads the file), as the xxhash
# package builds it: the same fingerprints, without a Python call per key.
XXHASH = "dedup/_xxhash.h"


def extension(name: str, *headers: str) -> Extension:
    return Extension(f"dedup.{name}", [f"dedup/{name}.c"], depends=list(headers), optional=True)


setup(
    ext_modules=[
        extension("_u64set", ARRAYS),
        extension("_fold", ARRAYS, UTF8),
        extension("_repeats", ARRAYS),
        extension("_lines", ARRAYS, UTF8),
        extension("_sentences", ARRAYS, UTF8),
        extension("_prefilter"),
        extension("_nested", UTF8),
        extension("_fingerprints", XXHASH),
    ]
)
