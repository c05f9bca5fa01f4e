# The two commands of the README: `make run` and `make test` (plus `make test-fast`, the quick tier).
# Each installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run banner test test-fast lint install screenshots

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m devtools.localrun --demo

# Show `make run`'s banner (URL, logins, sandbox ports) again, from another terminal.
banner:
	kill -USR1 $$(cat $${INSTANCE_PATH:-instance}/localrun.pid)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest

# The fast tier: everything but the browser tests and the ones marked slow (under a minute on 2 cores).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

# The README's screenshots (docs/screenshots), taken by the browser tests that check what each one shows.
SHOT_TESTS := test_new_admin_goes_from_an_empty_tenant or test_dashboard_shows_connections \
	or test_detail_page_explains_the_failure or test_status_tabs_count_and_filter or test_on_a_phone_the_activity_list \
	or test_tenant_admin_names_alert_addresses or test_admin_sees_plan_gaps or test_admin_links_products_by_sku \
	or test_report_preview_and_drift or test_opening_stock_is_previewed or test_a_partial_receipt_shows

screenshots: $(STAMP)
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser -q -k "$(SHOT_TESTS)"
