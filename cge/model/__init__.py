"""The static SICGE-style CGE model, one module per economic block.

``build`` assembles the blocks in order: :mod:`.production` (nested CES technology),
:mod:`.power` (generation in TWh, technology choice, the grid identity), :mod:`.capital`
(capital in use, idle capacity), :mod:`.trade`, :mod:`.carbon`, :mod:`.institutions`,
:mod:`.clearing`; :mod:`.closure` reads closures (data) and checks squareness.
"""
from .build import build_model

__all__ = ["build_model"]
