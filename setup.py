"""Build rota's one optional C extension; everything else is in pyproject.toml.

``rota.perf._callgrind`` wraps valgrind's callgrind client requests for the instruction
pass. It needs valgrind's headers (Debian: ``valgrind``) and a C compiler; where either
is missing the build skips it (``optional=True``) and the install still succeeds: the
instruction pass then says why it is unavailable.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "rota.perf._callgrind",
            sources=["src/rota/perf/_callgrind.c"],
            optional=True,
        )
    ]
)
