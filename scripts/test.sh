#!/usr/bin/env bash
# test.sh — the whole test suite: the Rust tests, then the Python package's.
# What the README's test command and CI (.ci/run) run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked
bash scripts/python_tests.sh
