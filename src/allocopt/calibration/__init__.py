"""Calibration: the simulator's figures from a council's own records (pure estimation)."""
