"""Turning a timeline into sound: sounds, music, mixing, loudness, MP3, tags and cover."""
