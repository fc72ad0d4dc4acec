"""Getting tracks to people: sidecar files, share folders and the local server."""
