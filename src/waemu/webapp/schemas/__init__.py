"""Request schemas, one module per API area."""
