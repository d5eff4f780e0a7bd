"""Exports of published entries: CSV, GeoJSON, JSON-LD (formats.py) and their API."""
