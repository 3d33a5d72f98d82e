"""Articles: the typed model, the on-disk formats, validation and section-aware chunking."""
