#!/usr/bin/env bash
# The whole test suite: formatting, lints, tests (unit, integration, doc,
# property), the no_std proof, a fuzz smoke run (with a nightly toolchain),
# clr-tch against libtorch 2.13 and the docs. Run from anywhere:
#   bash scripts/test.sh
# Idempotent; whatever it needs beyond the Rust toolchain it provisions
# itself under the repo (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

# clr-tch needs libtorch: the steps before its own (which provisions it)
# leave it out; the docs come after it.
step "cargo clippy (workspace but clr-tch, all targets) -D warnings"
cargo clippy --workspace --exclude clr-tch --all-targets --locked -- -D warnings
cargo clippy -p clr-core --all-targets --all-features --locked -- -D warnings
cargo clippy -p clr --features candle,viz,serde --all-targets --locked -- -D warnings

step "cargo test (workspace but clr-tch: unit, integration and doc tests; clr-train included)"
cargo test --workspace --exclude clr-tch --locked

step "the facade with its Candle and plot features: the README's snippets as doc tests"
cargo test -p clr --features candle,viz --doc --locked

step "cargo test -p clr-core --all-features (serde, proptest, alloc)"
cargo test -p clr-core --all-features --locked

# Without `std` the schedules' math is the libm crate's: parity still holds
# within 1e-12. The bit-identical figures of both, printed.
step "cargo test -p clr-core --no-default-features (libm's math)"
cargo test -p clr-core --no-default-features --locked
cargo test -p clr-core --no-default-features --test bits --locked -- --nocapture
cargo test -p clr-core --features std --test bits --locked -- --nocapture

step "benchmarks compile (clr-benches; timing them is by hand, see BENCHMARKS.md)"
cargo check -p clr-benches --benches --locked
if command -v python3 >/dev/null; then
  # Compiled to a scratch directory, so that no __pycache__ lands in benches/.
  PYTHONPYCACHEPREFIX="$(mktemp -d)" python3 -m py_compile benches/*.py
fi

step "clr-core is no_std: link it into a #![no_std] staticlib"
CARGO_TARGET_DIR="$PWD/target/nostd" cargo build --locked --manifest-path ci/nostd/Cargo.toml
CARGO_TARGET_DIR="$PWD/target/nostd" cargo build --locked --manifest-path ci/nostd/Cargo.toml --features alloc

step "fuzz smoke run: 30 s of cargo-fuzz on fuzz/ (nightly only)"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  # cargo-fuzz goes in the git-ignored .cache/, installed once.
  fuzz_root="$PWD/.cache/cargo-fuzz"
  if [ ! -x "$fuzz_root/bin/cargo-fuzz" ]; then
    cargo install --locked --root "$fuzz_root" cargo-fuzz
  fi
  # libFuzzer writes new inputs into its first corpus folder: give it a
  # scratch copy so the committed seeds stay as they are.
  fuzz_corpus="$(mktemp -d)"
  cp fuzz/corpus/state_machines/* "$fuzz_corpus/"
  # No sanitizer (clr-core forbids unsafe code); debug assertions on.
  PATH="$fuzz_root/bin:$PATH" cargo +nightly fuzz run state_machines \
    --fuzz-dir fuzz --target-dir fuzz/target --sanitizer none --debug-assertions \
    "$fuzz_corpus" -- -max_total_time=30 -timeout=10 -print_final_stats=1
  rm -rf "$fuzz_corpus"
else
  echo "no nightly toolchain (rustup toolchain list): fuzz smoke run skipped"
fi

step "clr-tch: libtorch 2.13 provisioned into .cache/libtorch, then lints, tests, examples, benchmark"
# Downloads the PyPI wheels once (idempotent); prints LIBTORCH and
# LD_LIBRARY_PATH. Assigned first so that a failed download stops the script.
libtorch_env="$(bash scripts/provision-libtorch.sh)"
eval "$libtorch_env"
cargo clippy -p clr-tch --all-targets --locked -- -D warnings
cargo clippy -p clr --features candle,tch,viz --all-targets --locked -- -D warnings
cargo test -p clr-tch --locked
cargo test -p clr --features candle,tch --doc --locked # the README's clr-tch example
cargo build --features tch --examples --locked
cargo bench -p clr-tch --no-run --locked
cargo clippy -p clr-benches --features tch --benches --locked -- -D warnings

step "cargo package: every publishable crate packs and builds from its package"
# --allow-dirty so a local run with uncommitted work checks too (CI's clone
# is clean); clr-tch's verification needs the libtorch provisioned above.
# clr-benches is not published (publish = false).
# Cargo unpacks each packaged crate under $CARGO_HOME/registry/src/-<hash of
# this checkout's path>/, builds it like a registry crate (never rebuilt for a
# changed source), and reuses both on the next run from the same path: a CI
# clone at a fixed path verified against last run's clr-train. Drop our stale
# copies and their fingerprints first.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/clr-* \
  "${CARGO_TARGET_DIR:-target}"/debug/.fingerprint/clr-*
cargo package --workspace --exclude clr-benches --allow-dirty --locked

step "cargo doc (no warnings; clr-tch included, libtorch provisioned above)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked

printf '\nall checks passed\n'
