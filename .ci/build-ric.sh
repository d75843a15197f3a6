#!/usr/bin/env bash
# Build AWS's Node.js runtime interface client (npm aws-lambda-ric) natively, for the RIC harness tests
# (test/integration/ric-harness.test.ts reads BATON_RIC_DIR, default /tmp/ric/node_modules/aws-lambda-ric).
#
#   .ci/build-ric.sh [DIR]      # DIR defaults to /tmp/ric; the package lands in DIR/node_modules/aws-lambda-ric
#
# Idempotent: apt packages are installed only when missing, and the npm install is skipped when DIR already holds
# a 3.3.0 build whose native addon loads. Needs root (apt-get) unless the build tools are already there.
#
# Why these pieces:
#  - aws-lambda-ric's preinstall builds curl 7.83.1 and aws-lambda-cpp 0.2.8 from bundled tarballs: curl's
#    ./buildconf runs `autoreconf -fi` (autoconf, automake, libtool), aws-lambda-cpp uses cmake; the postinstall
#    runs node-gyp (make, g++, python3) against Node's headers. Nothing is downloaded but npm packages: node-gyp
#    uses the headers of the node in use (nodedir), never nodejs.org.
#  - Only aws-lambda-ric has install scripts (node-gyp 9.4.0 and node-addon-api 6.1.0 have none), so allowScripts
#    names just it; --strict-allow-scripts turns any new unreviewed script into an error instead of a warning.
#  - The postinstall deletes the bundled source tarballs, so `npm rebuild` of an installed copy cannot work: a
#    broken or partial build is removed and installed afresh.
#  - Takes 2-3 minutes on 2 cores (measured 120 s and 187 s wall time).
set -euo pipefail

RIC_VERSION=3.3.0
DIR=${1:-${BATON_RIC_BUILD_DIR:-/tmp/ric}}
PKG="$DIR/node_modules/aws-lambda-ric"
APT_PACKAGES=(autoconf automake libtool cmake make g++ python3)

log() { printf '[build-ric] %s\n' "$*" >&2; }

ric_ok() {
  [ -f "$PKG/dist/rapid-client.node" ] || return 1
  [ "$(node -p "require('$PKG/package.json').version" 2>/dev/null)" = "$RIC_VERSION" ] || return 1
  # The addon reads AWS_LAMBDA_RUNTIME_API when loaded; any value will do for a load check.
  AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 node -e "require('$PKG/dist/rapid-client.node')" >/dev/null 2>&1
}

if ric_ok; then
  log "aws-lambda-ric@$RIC_VERSION already built in $PKG"
  exit 0
fi

# --- system packages -------------------------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing apt packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- node headers for node-gyp (no download possible) --------------------------------------------------------------
NODE_PREFIX=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -f "$NODE_PREFIX/include/node/node.h" ]; then
  export npm_config_nodedir="$NODE_PREFIX"
else
  log "warning: no headers at $NODE_PREFIX/include/node; node-gyp will use npm's nodedir setting (${npm_config_nodedir:-unset})"
fi

# --- the package ---------------------------------------------------------------------------------------------------
mkdir -p "$DIR"
cat >"$DIR/package.json" <<EOF
{
  "name": "baton-ric-build",
  "private": true,
  "description": "aws-lambda-ric built natively for lambda-baton's RIC harness tests (.ci/build-ric.sh)",
  "dependencies": { "aws-lambda-ric": "$RIC_VERSION" },
  "allowScripts": { "aws-lambda-ric": true }
}
EOF
rm -rf "$PKG" "$DIR/package-lock.json"

log "building aws-lambda-ric@$RIC_VERSION in $DIR (2-3 minutes)"
start=$(date +%s)
(cd "$DIR" && npm install --no-audit --no-fund --strict-allow-scripts --loglevel=warn) >"$DIR/build.log" 2>&1 || {
  log "npm install failed; last lines of $DIR/build.log:"
  tail -n 40 "$DIR/build.log" >&2
  exit 1
}

if ! ric_ok; then
  log "install finished but $PKG/dist/rapid-client.node is missing or does not load; see $DIR/build.log"
  tail -n 40 "$DIR/build.log" >&2
  exit 1
fi
log "built in $(( $(date +%s) - start ))s: $PKG"
