"""Entries: their values (data.py), validation, visibility and filters (selectors.py,
filters.py), create and update (services.py), status changes (transitions.py), and the
entry pages and API."""
