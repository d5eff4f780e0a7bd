"""Importing entries from a CSV file (the atlas's own export, or a spreadsheet whose
headers are mapped to ours): ``parse.py`` reads rows into the entry services' data
classes, ``services.py`` validates every row and imports them in one transaction."""
