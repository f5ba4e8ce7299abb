"""Case studies built on the engine; each is a subpackage (data plus a thin model)."""
