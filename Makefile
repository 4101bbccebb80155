# The targets are exactly what CI runs (.ci/run).
.PHONY: run test lint ci

run:
	scripts/start

test:
	scripts/test

lint:
	scripts/lint

ci:
	.ci/run
