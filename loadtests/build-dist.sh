#!/bin/sh
# The gateway compiled to dist/ (plain JavaScript, for GATEWAY_JS=dist: profiles then name source
# lines), with the files it reads beside its modules: migrations, the WSDL, fixtures, the web build.
set -e
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
for d in billing gateway ledger connectors communications reports config; do
  (cd "$d" && find . -type f ! -name '*.ts' -exec install -D {} "../dist/$d/{}" \;)
done
mkdir -p dist/web && rm -rf dist/web/dist && cp -r web/dist dist/web/
