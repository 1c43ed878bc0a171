# The two fresh-machine commands are `make demo` and `make test`; each sets up what it needs
# (a virtualenv with the project, then the local Kafka, Elasticsearch and Prometheus).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install demo test unit bench throughput stack-up stack-down stack-status

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	touch $(INSTALLED)

install: $(INSTALLED)

demo: install  ## stack up, load the default scenario, enrich its tickets, print the table
	$(BIN)/fault-correlator demo

test: install  ## every test (unit, integration, e2e) against the real local stack
	$(BIN)/fault-correlator stack up
	$(BIN)/pytest

unit: install  ## unit tests only (no servers)
	$(BIN)/pytest tests/unit

stack-up: install
	$(BIN)/fault-correlator stack up

stack-down: install
	$(BIN)/fault-correlator stack down

stack-status: install
	$(BIN)/fault-correlator stack status

bench: install  ## the scenario lab over scenarios/: accuracy and speed per scenario, batched vs naive
	$(BIN)/fault-correlator stack up
	$(BIN)/fault-correlator lab bench scenarios/

throughput: install  ## tickets/s of the batched worker on copies of the default scenario's tickets
	$(BIN)/fault-correlator stack up
	$(BIN)/python benchmarks/throughput.py
