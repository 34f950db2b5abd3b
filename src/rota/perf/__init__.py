"""Measurement library of the benchmark suite.

One module per job, imported on demand (nothing is re-exported here, so importing one
part never pulls in SciPy, matplotlib or memray for another):

- :mod:`rota.perf.timing`: time coroutines on an existing loop (:class:`AsyncRunner`).
- :mod:`rota.perf.async_bench`: the same through pytest-benchmark's ``benchmark`` fixture.
- :mod:`rota.perf.sqlcount`: exact SQL statement and row counts (:class:`SqlCounter`).
- :mod:`rota.perf.worker`: the benchmark worker (timing rounds, memray), run by path.
- :mod:`rota.perf.runner`: the parent side: start workers for a source tree, drive them.
- :mod:`rota.perf.suite`: ``rota bench``'s passes over workers; :mod:`rota.perf.observe`
  times a generation's phases from outside the engine.
- :mod:`rota.perf.gate`, ``gate_config``, ``gate_exact``, ``gate_stats``, ``gate_timing``,
  ``gate_report``, :mod:`rota.perf.calibrate`: the regression gate and its calibration.
- :mod:`rota.perf.instructions`: the callgrind instruction pass (its child process in
  :mod:`rota.perf.instructions_child`, client requests in :mod:`rota.perf.callgrind`,
  profile files read by :mod:`rota.perf.callgrind_output`).
- :mod:`rota.perf.stats`: summaries, base-versus-head comparison, scaling slopes.
- :mod:`rota.perf.machine`: machine, package and git context.
- :mod:`rota.perf.results`: the versioned results store.
- :mod:`rota.perf.plots`: scaling plots.
- :mod:`rota.perf.atomic`: atomic file writes.
"""
