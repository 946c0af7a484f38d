# Balie: `make run` starts everything, `make test` checks everything.
# Both set up what is missing first: venv, packages, Dutch spaCy pipeline, trained model.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
SPACY_MODEL := $(VENV)/.spacy-nl_balie
MODEL := models/balie.tar.gz
NODE_MODULES := node_modules/.package-lock.json
TRAINING_INPUTS := config.yml domain.yml $(shell find data -type f 2>/dev/null) $(wildcard bot/catalogue/*.py nlu_components/*.py)
# Rasa and TensorFlow are chatty; keep their logs readable.
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: run test setup env model browser validate eval bench clean freeze

run: setup $(MODEL)
	@mkdir -p var/log
	@echo "Starting Balie (Ctrl-C stops all three services):"
	@echo "  demo page with chat widget  http://$${BALIE_HOST:-127.0.0.1}:$${BALIE_PORT:-8000}/"
	@echo "  clerk console               http://$${BALIE_HOST:-127.0.0.1}:$${BALIE_PORT:-8000}/desk"
	@echo "  health                      http://$${BALIE_HOST:-127.0.0.1}:$${BALIE_PORT:-8000}/health"
	@echo "  Rasa server                 http://127.0.0.1:5005 (HTTP API, token in .env)"
	@echo "  action server               http://127.0.0.1:5055"
	$(VENV)/bin/honcho start -f Procfile -e .env

test: setup $(MODEL) $(NODE_MODULES) browser
	$(RASA) data validate --fail-on-warnings
	$(VENV)/bin/pytest
	$(RASA) test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --out var/results/stories

setup: $(INSTALLED) $(SPACY_MODEL) env

# .env from .env.example with random tokens; an existing .env keeps its values, except
# empty or known default tokens, which are replaced (the services refuse those).
env: $(INSTALLED)
	@$(PY) scripts/ensure_env.py

$(VENV)/bin/python:
	@PY310="$$(scripts/find-python.sh)" && echo "Creating $(VENV) with $$PY310" && "$$PY310" -m venv $(VENV)

$(INSTALLED): requirements.txt constraints.txt pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(SPACY_MODEL): scripts/build_spacy_model.py $(INSTALLED)
	@mkdir -p var
	$(PY) scripts/build_spacy_model.py > var/spacy-build.log 2>&1 || { cat var/spacy-build.log; exit 1; }
	@tail -n 1 var/spacy-build.log
	touch $@

# Retrained only when config, domain or training data changed (make compares times;
# rasa train also skips when its own fingerprint of the data is unchanged).
$(MODEL): $(TRAINING_INPUTS) $(SPACY_MODEL)
	$(RASA) train --fixed-model-name balie --out models
	@touch $@

# axe-core for the accessibility checks in the browser tests (pinned in package-lock.json).
$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

browser:
	@scripts/install-browser.sh

model: setup $(MODEL)

validate: setup
	$(RASA) data validate --fail-on-warnings

eval: setup
	$(PY) scripts/eval_nlu.py

# Seconds from `make run` to a healthy service (model already trained): reports/startup.md.
bench: setup $(MODEL)
	$(PY) scripts/bench_startup.py

freeze:
	$(PY) -m pip freeze --exclude-editable | grep -v '^balie' > constraints.txt

clean:
	rm -rf models var/results .pytest_cache
