"""asv benchmarks over the commit history: the same workloads as ``rota bench``.

asv imports this folder as the package ``asv_benchmarks`` (a name that shadows no
installed module; a folder called ``asv`` would shadow asv itself inside the benchmark
processes). Nothing here imports ``rota`` at import time: asv discovers the benchmarks
once, with whatever commit is installed, and a commit without the workloads API must
still import this suite so that its benchmarks report n/a instead of failing the run.
"""
