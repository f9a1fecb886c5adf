"""The engine's version, recorded in results and saved indexes."""

ENGINE_VERSION = "1.1.0"
# Bump when tokenisation or the on-disk layout changes, so saved indexes are rebuilt.
INDEX_FORMAT = 3
