"""kpitrack: track Hangzhou's 13th Five-Year performance-management plan (2016-2020)."""

__version__ = "0.1.0"
