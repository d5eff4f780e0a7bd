"""Static files storage for production: WhiteNoise's compressed manifest storage, with
Django's rewriting of relative ES module specifiers (``import … from "./api.js"``) to the
hashed names, so the reader's modules (static/js/annotations/) are cached forever like
every other hashed file and a deploy never mixes old and new modules."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleAwareManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
