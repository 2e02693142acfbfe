# Two commands do everything (see README.md):
#   make run    set up, ingest the default corpus, answer the seed question
#   make test   set up (system packages included) and run the test suite
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup system-deps run test test-fast app lint bench clean

$(BIN)/regqa: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: an unpinned torch would pull GBs of CUDA wheels
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,e5,bench]'
	# MiniLM exported to ONNX (fp32 and int8) now, from the bundled weights, so no run pays for it
	$(BIN)/python -m rag.index.onnx_encoder
	touch $(BIN)/regqa

setup: $(BIN)/regqa

system-deps:
	# Debian's Chromium for the browser test (Playwright drives /usr/bin/chromium; no browser download)
	# plus CJK and emoji fonts so Japanese, Korean and Chinese answers render (not as empty boxes),
	# and nginx, the token proxy in front of `chroma run` (bench/chroma_server.py, tests/test_server_mode.py)
	command -v chromium >/dev/null && test -x /usr/sbin/nginx && fc-list | grep -qi ipagothic && \
	  fc-list | grep -qi "Noto Sans CJK" || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium nginx fonts-ipafont-gothic \
	    fonts-noto-cjk fonts-noto-color-emoji >/dev/null)

run: setup
	$(BIN)/regqa ingest
	$(BIN)/regqa ask "what penalties does Japan's AI law carry?"
	@echo; echo "Next: '$(BIN)/regqa app' opens the chat at http://localhost:8501"

test: setup system-deps
	REGQA_REQUIRE_BROWSER=1 OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest -q -m "not integration" --durations=15

# Unit tests on hand-made chunks and data only: no index is built, no torch model, no browser (about a minute)
test-fast: setup
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest -q -m "not slow and not browser and not integration and not index"

lint: setup
	$(BIN)/ruff check .

app: setup
	$(BIN)/regqa app

bench: setup
	$(BIN)/python -m bench all

clean:
	rm -rf data .pytest_cache
