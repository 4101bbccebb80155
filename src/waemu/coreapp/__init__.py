"""The coreapp: owns state, persistence and readiness; serves the internal socket."""
