# The two commands of the README, and the environment they share.
export UV_PYTHON_DOWNLOADS := never
UV := python3 -m uv

.PHONY: run test env lint

env:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: env
	$(UV) run pledge serve --policy policies/japan-centre.yaml

test: env
	$(UV) run pytest

lint: env
	$(UV) run ruff check .
	$(UV) run ruff format --check .
