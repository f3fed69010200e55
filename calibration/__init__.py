"""Calibration of the CGE model to a SAM: benchmark values, shares and elasticities (no Pyomo).

    import sam, calibration
    cal = calibration.calibrate(sam.load_sam())           # shipped elasticities by default
    el = calibration.load_elasticities()                  # the elasticity table with sources
"""
from .core import Calibration, calibrate, load_consumption_categories, load_feedstock, load_roles
from .elasticities import by_sector, load_elasticities, load_sector_groups

__all__ = ["Calibration", "calibrate", "load_elasticities", "load_sector_groups", "by_sector",
           "load_roles", "load_feedstock", "load_consumption_categories"]
