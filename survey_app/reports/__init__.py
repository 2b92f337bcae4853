"""Aggregated before/after reports: plain pandas on plain data, then an Excel workbook."""
