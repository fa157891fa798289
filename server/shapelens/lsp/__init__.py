"""The language server: pygls handlers that render the engine's ``Report`` for an editor."""
