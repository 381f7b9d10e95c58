.PHONY: setup run test

setup:
	bash .ci/setup.sh

# The demo population lives in a database of its own, never beside real data (DATABASE_URL or instance/imready.db).
# The background worker (mail, report batches, campaigns, scheduled releases) runs beside the development server;
# Ctrl-C stops both.
run: export IMREADY_DATABASE_URL ?= sqlite:///$(CURDIR)/instance/demo.db
run: setup
	.venv/bin/flask --app app db upgrade
	.venv/bin/flask --app app reference import-published assessment/data/published_benchmarks.csv
	.venv/bin/flask --app app demo load
	@pw="$${IMREADY_DEMO_PASSWORD:-$$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')}"; \
	.venv/bin/flask --app app demo accounts --password "$$pw"; \
	echo "Demo accounts above share the password: $$pw  (sign in at http://127.0.0.1:5000/account/sign-in)"; \
	.venv/bin/flask --app app worker & \
	exec .venv/bin/flask --app app run --host 127.0.0.1 --port 5000

test:
	bash .ci/test.sh
