"""Synthetic demo datasets for ``shuliu demo``."""
