"""Calibration of the CGE model to the 2017 SAM."""
