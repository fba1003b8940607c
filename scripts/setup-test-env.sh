#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine of this kind (Node 20, Debian 12, root):
# pnpm, the system packages the artifact-backend tests start servers from (OpenSSH's sshd and
# pure-ftpd; Azurite comes from npm), Debian's Chromium for the web UI's browser tests (driven by
# playwright-core; never a browser download), PyYAML for the YAML compatibility tests, and the workspace's packages (which builds them).
# PostgreSQL and Redis are expected to run already (127.0.0.1:5432 and :6379) or be named by
# ORRERY_TEST_POSTGRES_URL / ORRERY_TEST_REDIS_URL. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
[ -x /usr/sbin/sshd ] || apt_packages+=(openssh-server)
[ -x /usr/sbin/pure-ftpd ] || apt_packages+=(pure-ftpd)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
# PyYAML, MLflow's YAML reader and writer: the YAML tests check that it reads what Orrery writes.
/usr/bin/python3 -c 'import yaml' 2>/dev/null || apt_packages+=(python3-yaml)
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-test-env: run as root, or install these Debian packages first: ${apt_packages[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Package scripts must not start the daemons system-wide: the tests start their own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "10" ]; then
  npm install -g pnpm@10.34.9 >/dev/null
fi
pnpm install --frozen-lockfile
