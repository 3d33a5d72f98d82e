"""HTTP (FastAPI) and command-line entry points over `rag/`."""
