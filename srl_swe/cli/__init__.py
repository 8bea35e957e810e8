"""The `srl-swe` command line."""
