"""HTTP routes, one module per API area; each validates, calls the coreapp, returns."""
