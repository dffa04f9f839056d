#!/usr/bin/env bash
# The whole test suite: formatting, lints, tests (unit, integration, doc,
# property), the no_std proof and the docs. Run from anywhere:
#   bash scripts/test.sh
# Idempotent; whatever it needs beyond the Rust toolchain it provisions
# itself under the repo (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (workspace, all targets) -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p clr-core --all-targets --all-features --locked -- -D warnings

step "cargo test (workspace: unit, integration and doc tests)"
cargo test --workspace --locked

step "cargo test -p clr-core --all-features (serde, proptest, alloc)"
cargo test -p clr-core --all-features --locked

step "clr-core is no_std: link it into a #![no_std] staticlib"
CARGO_TARGET_DIR="$PWD/target/nostd" cargo build --locked --manifest-path ci/nostd/Cargo.toml
CARGO_TARGET_DIR="$PWD/target/nostd" cargo build --locked --manifest-path ci/nostd/Cargo.toml --features alloc

step "cargo doc (no warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked

printf '\nall checks passed\n'
