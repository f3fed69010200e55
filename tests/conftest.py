"""Shared fixtures: the raw data folder, a one-off in-memory SAM build, the toy SAM."""
from __future__ import annotations

import shutil

import cge  # noqa: F401  (first: sets PYOMO_CONFIG_DIR before any test imports Pyomo)
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
TOY_DIR = TESTS_DIR / "data" / "toy"
RAW_SUBSETS = ["china_io_nbs/csv", "ceads/derived", "emission_factors"]


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The shared raw data folder (skips the test when shared/ is not beside the repo)."""
    from sam.build import default_raw_dir
    raw = default_raw_dir()
    if not (raw / "china_io_nbs").exists():
        pytest.skip(f"raw data not found at {raw}")
    return raw


@pytest.fixture(scope="session")
def built(raw_dir):
    """The SAM built in memory from the raw data (once per test session)."""
    from sam.build import build
    return build(raw_dir)


@pytest.fixture()
def raw_copy(raw_dir, tmp_path) -> Path:
    """A writable copy of the raw files the build reads."""
    dst = tmp_path / "raw"
    for sub in RAW_SUBSETS:
        shutil.copytree(raw_dir / sub, dst / sub)
    return dst


@pytest.fixture(scope="session")
def toy_dir() -> Path:
    """Folder of the 3-sector toy SAM."""
    return TOY_DIR


@pytest.fixture
def homogeneous():
    """``check(base, new, prices, quantities, rel, abs_q)``: after the numeraire doubles, every variable of
    a price family doubles and every variable of a quantity family stays (``abs_q`` for quantities, None
    for pytest's default); returns how many variables were checked."""
    def check(base: dict, new: dict, prices: set, quantities: set, rel: float, abs_q: float | None) -> int:
        n = 0
        for name, v0 in base.items():
            fam = name.split("[")[0]
            if fam in prices:
                assert new[name] == pytest.approx(2 * v0, rel=rel, abs=1e-9), name
                n += 1
            elif fam in quantities:
                assert new[name] == pytest.approx(v0, rel=rel, abs=abs_q), name
                n += 1
        return n
    return check
