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
# data/desk/ (canned replies for clerks) is read by the bot service only: not a training input.
TRAINING_INPUTS := config.yml domain.yml $(shell find data -type f -not -path "data/desk/*" 2>/dev/null) $(wildcard bot/catalogue/*.py nlu_components/*.py)
# Rasa and TensorFlow are chatty; keep their logs readable.
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: run test setup env model train shell browser validate eval bench clean freeze

run: setup $(MODEL)
	@mkdir -p var/log
	@echo "Starting Balie under supervisord (a crashed process restarts; Ctrl-C stops all three):"
	@echo "  demo page with chat widget  http://$${BALIE_HOST:-127.0.0.1}:$${BALIE_PORT:-8000}/"
	@echo "  clerk console               http://$${BALIE_HOST:-127.0.0.1}:$${BALIE_PORT:-8000}/desk"
	@echo "  health                      http://$${BALIE_HOST:-127.0.0.1}:$${BALIE_PORT:-8000}/health"
	@echo "  Rasa server                 http://127.0.0.1:5005 (HTTP API, token in .env)"
	@echo "  action server               http://127.0.0.1:5055"
	@echo "  logs per process            var/log/rasa.log, var/log/actions.log, var/log/bot.log"
	$(PY) -m ops.supervise

# validate comes before $(MODEL): a mistake in the data is named in seconds, not after training.
test: setup validate $(MODEL) $(NODE_MODULES) browser
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
# scripts/train_model.py shows Rasa's progress, keeps the full log in var/log/train.log and
# records the training time in models/balie.train.json (make eval reports it).
$(MODEL): $(TRAINING_INPUTS) $(SPACY_MODEL)
	$(PY) scripts/validate_data.py
	$(PY) scripts/train_model.py
	@touch $@

# axe-core for the accessibility checks in the browser tests (pinned in package-lock.json).
$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

browser:
	@scripts/install-browser.sh

model: setup $(MODEL)

# Balie's own checks of data/ and domain.yml (seconds, Dutch, naming file and entry), then
# Rasa's `rasa data validate --fail-on-warnings` (half a minute). docs/beheer.md explains both.
validate: setup
	$(PY) scripts/validate_data.py --rasa

# Train now, also when nothing changed (make run and make test train only after a change).
train: setup
	$(PY) scripts/validate_data.py
	$(PY) scripts/train_model.py
	@touch $(MODEL)
	@echo "Klaar: het model staat in $(MODEL). Draait Balie al? Stop het (Ctrl-C) en start het opnieuw met make run."

# Chat with the running Balie in this terminal, through the widget's API (start make run first).
shell: setup
	@$(PY) scripts/chat_shell.py

# (a) is the trained model itself (not trained again); (b) and (c) are trained here.
eval: setup $(MODEL)
	$(PY) scripts/eval_nlu.py --model $(MODEL)

# Seconds from `make run` to a healthy service (model already trained): reports/startup.md.
bench: setup $(MODEL)
	$(PY) scripts/bench_startup.py

freeze:
	$(PY) -m pip freeze --exclude-editable | grep -v '^balie' > constraints.txt

clean:
	rm -rf models var/results .pytest_cache

# The beheerder's weekly review list (docs/beheer.md): what Balie did not understand in the last
# 7 days, from the database in .env. `make review DAYS=14 EXPORT=leervragen.yml` for more.
.PHONY: review
review: setup
	$(PY) -m bot review --days $(or $(DAYS),7) $(if $(EXPORT),--export $(EXPORT))
