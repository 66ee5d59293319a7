"""The agent workspace at /desk/: server-rendered pages, one module per page."""
