# CLDC developer commands. The work is done by scripts/; these are the short names.
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
.DEFAULT_GOAL := help
.PHONY: help run dev test bootstrap services-up services-down services-status clean-data

help:
	@echo "make run              demo on http://core.localhost:8000/ and http://hclic.localhost:8000/ (Ctrl-C stops all),"
	@echo "                      through the production stack: gunicorn, WhiteNoise, Celery worker and beat"
	@echo "make dev              the same through Django's autoreloading development server, debug pages on"
	@echo "                      (never for a shared machine)"
	@echo "make test             the test suite; pytest arguments via ARGS='-k name'"
	@echo "make bootstrap        install what is missing: apt packages, .venv, node_modules, CSS"
	@echo "make services-up      start the project-local PostgreSQL and Redis (data in var/)"
	@echo "make services-down    stop them"
	@echo "make services-status  are they running?"
	@echo "make clean-data       stop them and delete var/postgres and var/redis"

run:
	@exec "$(ROOT)/scripts/run"

dev:
	@CLDC_DEBUG=1 exec "$(ROOT)/scripts/run"

test:
	@exec "$(ROOT)/scripts/test" $(ARGS)

bootstrap:
	@"$(ROOT)/scripts/bootstrap"

services-up:
	@"$(ROOT)/scripts/services" up

services-down:
	@"$(ROOT)/scripts/services" down

services-status:
	@"$(ROOT)/scripts/services" status || true

clean-data:
	@"$(ROOT)/scripts/services" down
	@echo "clean-data: deleting var/postgres and var/redis (local database and Redis data)"
	@rm -rf "$(ROOT)/var/postgres" "$(ROOT)/var/redis"
