"""shuliu (数流): a data element circulation platform."""

__version__ = "0.1.0"
