#!/usr/bin/env bash
# Runs dev.potluck.bench.AptVerifyBench: what the apt trust chain costs a node. Verifies an InRelease
# signed by gpg (RSA-4096 and Ed25519 keys), parses and indexes a Packages file of 60,000 stanzas
# (plain and xz), and hashes the same bytes with SHA-256 for comparison; prints a table and
# '[figure] name value unit' lines. Needs gpg (Debian package gnupg). Builds first if needed.
# Arguments: [stanzas] [rounds], default 60000 5.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/build-if-needed.sh"

exec "$JAVA" -Xmx1g -cp "$BENCH_CP" dev.potluck.bench.AptVerifyBench "$@"
