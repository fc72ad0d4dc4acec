"""Turning sentences into clips: the engines, the clip cache and installed voices."""
