"""A reproducible benchmark of the chat stream relay: `uv run --group bench python -m bench`."""
