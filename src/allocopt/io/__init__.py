"""The edge: reading and writing files. Nothing in the core imports this package."""
