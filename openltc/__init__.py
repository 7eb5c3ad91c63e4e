"""OpenLTC: Lead-to-Cash (从线索到回款) sales project management."""

__version__ = "0.1.0"
