"""The site layer: what needs every app at once (the home page, `load_starter_data`).

The top of the app layers (docs/adr/0006-layers.md): it may import any app, and no app
imports it.
"""
