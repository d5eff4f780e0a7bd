"""REST API for annotations: ``views`` (list, create, detail, edit, delete, preview,
hide/restore, re-attach), ``exports`` (a source's annotations as JSON-LD or CSV) and
``serializers`` (input, and the output shape the schema declares). The JSON itself, in
the app's shape and in the W3C model, is built in ``apps/annotations/representation.py``.
"""
