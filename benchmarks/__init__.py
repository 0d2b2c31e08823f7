"""Benchmarks of stochlim's SSA kernels: ``python -m benchmarks``.

Three cases - (a) two states with constant rates 1.0 and 0.5, 1e7 events; (b) a 101-level
Arrhenius ladder with energies 0.02 (i - 50)^2 kT and a barrier stepped from 0 to 5 kT in 100
steps, 1e7 events; (c) 1e4 trajectories of (a) with about 1e3 events each on all cores - timed
against a minimal C direct method built here with the system compiler, and against GillesPy2's
C++ SSA where it is installed. Results go to ``benchmarks/results/`` as JSON.
"""
