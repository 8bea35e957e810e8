"""Tool calls: parsing model output into actions, canonical text, tool schemas, and running them."""
