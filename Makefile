.PHONY: setup run test

setup:
	bash .ci/setup.sh

run: setup
	.venv/bin/flask --app app db upgrade
	.venv/bin/flask --app app reference import-published assessment/data/published_benchmarks.csv
	.venv/bin/flask --app app demo load
	@pw="$${IMREADY_ADMIN_PASSWORD:-$$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')}"; \
	echo "Report batches: http://127.0.0.1:5000/reports/batches (administrator password: $$pw)"; \
	IMREADY_ADMIN_PASSWORD="$$pw" exec .venv/bin/flask --app app run --host 127.0.0.1 --port 5000

test:
	bash .ci/test.sh
