#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine of this kind: pnpm, the workspace's
# packages (which builds them), and system packages later suites need. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "10" ]; then
  npm install -g pnpm@10.34.9 >/dev/null
fi
pnpm install --frozen-lockfile
