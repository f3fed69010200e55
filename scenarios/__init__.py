"""Shipped scenario files (data only): ``*.toml`` scenarios, ``sweeps/*.toml`` sweep specs,
``global/`` and the baseline drivers in ``data/`` (sources in ``data/SOURCES.md``).
Located with :func:`cge.paths.shipped_scenarios`."""
