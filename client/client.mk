# The VS Code extension: unit tests, the .vsix, and the real-editor end-to-end test.
# Included by the root Makefile; recipes run from the repository root.
#
#   make client-test   unit tests of the TypeScript client (vscode stubbed)
#   make vsix          dist/ + bundled/libs -> shapelens-<target>-<version>.vsix, contents checked
#   make e2e-test      installs the .vsix into code-server and drives it with headless Chromium
#   make screenshots   the same test, saving the README's screenshots to docs/screenshots/
#
# Setup is automatic: npm ci, the Python bundle (pip, from PyPI), Debian packages (as root) and
# code-server (from npm, cached in .cache/). Anything that cannot be set up stops the build with
# a message that names it.

CLIENT_TESTS := client-test e2e-test

VSIX_TARGET ?= linux-x64
BUNDLE_PYTHON ?= python3
BUNDLE_PYTHON_VERSIONS ?= 3.10 3.11 3.12 3.13 3.14
E2E_PYTHON ?= python3
E2E_SCREENSHOTS ?= .e2e/screenshots
CODE_SERVER_VERSION := 4.100.3
CODE_SERVER := .cache/code-server-$(CODE_SERVER_VERSION)/node_modules/.bin/code-server

EXTENSION_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
VSIX := shapelens-$(VSIX_TARGET)-$(EXTENSION_VERSION).vsix
NODE_MODULES := node_modules/.shapelens-npm-ci
CLIENT_SOURCES := $(wildcard client/src/*.ts) client/tsconfig.json client/scripts/build.mjs
BUNDLE_MANIFEST := bundled/libs/shapelens-bundle.json
SERVER_SOURCES := pyproject.toml $(shell find server/shapelens -name '*.py' 2>/dev/null)

.PHONY: client-test vsix e2e-setup e2e-test screenshots client-tools clean-client

client-tools:
	@command -v node >/dev/null || { echo "error: Node.js is not installed (the client needs Node 20 and npm)"; exit 1; }
	@command -v npm >/dev/null || { echo "error: npm is not installed (the client needs Node 20 and npm)"; exit 1; }
	@major=$$(node -p 'process.versions.node.split(".")[0]'); [ "$$major" -ge 20 ] || { echo "error: Node $$(node --version) is too old; the client needs Node 20"; exit 1; }

$(NODE_MODULES): package.json package-lock.json | client-tools
	npm ci --no-audit --no-fund
	@touch $@

client-test: $(NODE_MODULES)
	npm test

$(BUNDLE_MANIFEST): $(SERVER_SOURCES) client/scripts/bundle_python.py
	@command -v $(BUNDLE_PYTHON) >/dev/null || { echo "error: $(BUNDLE_PYTHON) is not on PATH; it fills bundled/libs with pip (set BUNDLE_PYTHON=...)"; exit 1; }
	@$(BUNDLE_PYTHON) -m pip --version >/dev/null 2>&1 || { echo "error: $(BUNDLE_PYTHON) has no pip; it fills bundled/libs with pip"; exit 1; }
	$(BUNDLE_PYTHON) client/scripts/bundle_python.py --target $(VSIX_TARGET) --python $(BUNDLE_PYTHON_VERSIONS)

$(VSIX): $(NODE_MODULES) $(BUNDLE_MANIFEST) $(CLIENT_SOURCES) package.json .vscodeignore $(wildcard README.md docs/screenshots/*.png)
	VSIX_TARGET=$(VSIX_TARGET) npm run package
	node client/scripts/check-package.mjs

vsix: $(VSIX)

e2e-setup: $(NODE_MODULES)
	client/scripts/ensure-system-packages.sh
	node client/scripts/install-code-server.mjs .cache

e2e-test: $(VSIX) e2e-setup
	npm run e2e -- --vsix $(VSIX) --code-server $(CODE_SERVER) --python $(E2E_PYTHON) --screenshots $(E2E_SCREENSHOTS)

screenshots:
	$(MAKE) e2e-test E2E_SCREENSHOTS=docs/screenshots

clean-client:
	rm -rf dist bundled client/out .e2e shapelens-*.vsix
