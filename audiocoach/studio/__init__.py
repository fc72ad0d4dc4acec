"""`audiocoach studio`: a routine composer in the browser, served from this machine only."""
