# pvd: two targets do everything on a fresh Debian machine.
#   make run   installs what is missing, builds pvd, applies the example classes and claims,
#              and the busybox image (named alpine)
#              into a local store (./.pvd) and runs `pvd serve --runtime runc` on it in the foreground
#              (Ctrl-C stops it; http://127.0.0.1:9108/metrics meanwhile).
#   make test  installs what is missing, builds, and runs every test.

SWIFT      ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
RUN_ROOT   ?= $(CURDIR)/.pvd
RUN_LISTEN ?= 127.0.0.1:9108
DEB_PACKAGES := python3 libsqlite3-dev sqlite3 pkg-config libmount-dev libblkid-dev e2fsprogs xfsprogs btrfs-progs quota util-linux curl etcd-server jq runc busybox-static skopeo umoci
# Debian packages are installed only when missing, and only as root (CI and these VMs run as root).
APT_GET    := DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: all deps build release run test bench codecs check-codecs clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then echo "need root to install:$$missing" >&2; exit 1; fi; \
	  $(APT_GET) update -qq && $(APT_GET) install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

# The Swift runtime linked in statically: a CLI call starts in ~16 ms instead of ~29 ms here,
# which is most of what `pvd apply` then `pvd wait` costs a script. The CLI is stripped too (its
# symbols are pages the loader maps for nothing); pvd-server keeps its symbols for backtraces.
# PVD_FIXED_ADDRESS=1 links the CLI at a fixed address (Package.swift says why; only with the
# static runtime, hence only here).
release: deps
	PVD_FIXED_ADDRESS=1 $(SWIFT) build -c release --static-swift-stdlib
	strip --strip-all .build/release/pvd

run: release
	@mkdir -p $(RUN_ROOT)
	.build/release/pvd --root $(RUN_ROOT) apply -f deploy/examples/
	.build/release/pvd image busybox --root $(RUN_ROOT) --name alpine
	@echo "pvd serve on $(RUN_ROOT); in another shell: PVD_ROOT=$(RUN_ROOT) .build/release/pvd apply -f deploy/pods/random-number-generator.yaml"
	.build/release/pvd serve --root $(RUN_ROOT) --config deploy/config.yaml --listen $(RUN_LISTEN) --runtime runc

test: build check-codecs
	PVD_BIN=$(CURDIR)/.build/debug/pvd $(SWIFT) test

# The fast JSON codecs are generated from Sources/PVDModel/Schema; regenerate after editing one.
codecs:
	python3 Scripts/generate-codecs.py

# Fails when a generated codec is not what its schema makes (CI runs it through `make test`).
check-codecs:
	python3 Scripts/generate-codecs.py --check

bench: release
	$(SWIFT) run -c release pvd-bench bind --count 10000

clean:
	rm -rf .build $(RUN_ROOT)
