# Container image targets; the root Makefile includes this file (`include deploy/release.mk`,
# placed last so `make` alone keeps its default goal). Works alone too:
#   make -f deploy/release.mk image TAG=dev
# These need a Docker engine (and, for `release`, the Heroku CLI, logged in with
# `heroku container:login`); deploy/README.md has the details.

IMAGE ?= roost
TAG ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
# Registry host and path prefix, e.g. ghcr.io/acme; empty: a local image name.
REGISTRY ?=
DOCKER ?= docker
HEROKU ?= heroku
HEROKU_APP ?=
# Extra `docker build` flags, e.g. --platform=linux/amd64 (what Heroku runs).
DOCKER_BUILD_FLAGS ?=

IMAGE_REF = $(if $(REGISTRY),$(REGISTRY)/)$(IMAGE):$(TAG)
HEROKU_REF = registry.heroku.com/$(HEROKU_APP)/web

.PHONY: image push release heroku-app-set

image:  ## build the serving image from deploy/Dockerfile (context: the repo root)
	$(DOCKER) build $(DOCKER_BUILD_FLAGS) -t $(IMAGE_REF) -f deploy/Dockerfile .

push: image  ## build, then push $(IMAGE_REF) to its registry
	$(DOCKER) push $(IMAGE_REF)

# Ship the local $(IMAGE_REF) (built by `make image` or pulled) to Heroku and release it.
release: heroku-app-set  ## push the image to Heroku's registry and release the web dyno
	$(DOCKER) tag $(IMAGE_REF) $(HEROKU_REF)
	$(DOCKER) push $(HEROKU_REF)
	$(HEROKU) container:release web --app $(HEROKU_APP)

heroku-app-set:
	@test -n "$(HEROKU_APP)" || { echo "release: set HEROKU_APP=<heroku app name>" >&2; exit 1; }
