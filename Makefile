# The README's two commands: `make run` (the whole app on embedded defaults) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint typecheck pytest install messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Links in mails and the chat embed snippet point at the port the app serves on.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_chat_widget
	DEBUG=$${DEBUG:-1} $(PY) manage.py runstack --port $(PORT)

test: lint typecheck pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy .

pytest: $(VENV)/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages -l id --ignore '.venv/*' --ignore 'var/*'
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf var/broker var/broker-processed var/broker-control var/celerybeat-schedule*
