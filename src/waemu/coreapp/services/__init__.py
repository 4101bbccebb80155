"""Domain services of the coreapp, one module per API area."""
