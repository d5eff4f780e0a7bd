"""REST API for sources. Thin: the page's form validates uploads, services write,
selectors read and decide visibility, serializers shape.

- ``sources``      reading sources and versions, uploading (a source, a version) and
                   the import's status
- ``stewardship``  deciding versions (accept, reject, withdraw) and maintainers
- ``diff``         what changed between two versions
"""
