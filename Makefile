.PHONY: help demo test bench fmt
help:  ## list targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'
demo:  ## run the README's main job (memory example on SQLite)
	./scripts/demo.sh
test:  ## run every test (the README's test command, as CI)
	./scripts/test.sh
bench: ## run the criterion benchmarks (see docs/benchmarks.md)
	cargo bench -p vallum --bench memory
fmt:   ## format the code
	cargo fmt --all
