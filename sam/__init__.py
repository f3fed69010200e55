"""China 2017 social accounting matrix (65 sectors) with CO2 satellite accounts.

Quick use::

    import sam
    S = sam.load_sam()          # square DataFrame, billion yuan, 2017 producer prices
    sam.SECTORS                 # the 65 sector codes in order
    sam.accounts()              # which label is an activity, commodity, factor, institution...
    sam.load_co2()              # Mt CO2, fossil commodities x users (activities + households)
    sam.load_process_co2()      # Mt CO2 by activity
    sam.load_import_use()       # imported part of every commodity flow, billion yuan

``python -m sam build`` rebuilds every file under ``sam/data/`` from the raw data.
"""
from __future__ import annotations

from .errors import BalanceError, InputError
from .loaders import (DATA_DIR, SECTORS, accounts, check_balance, load_co2, load_import_use,
                      load_process_co2, load_sam, sectors_of)

__all__ = ["SECTORS", "DATA_DIR", "accounts", "check_balance", "load_sam", "load_co2",
           "load_process_co2", "load_import_use", "sectors_of", "InputError", "BalanceError"]
