# amlform recipes. `just --list` shows them.

# Build every crate.
build:
    cargo build --workspace

# The README's test command (what .ci/run runs, with formatting and lints).
test:
    cargo test --workspace

# Every test, the slow ones (kill loops, real delays) too, as .ci/run runs them.
test-all:
    AMLFORM_SLOW_TESTS=1 cargo test --workspace

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Benchmarks: print numbers, assert nothing about time.
bench:
    cargo bench -p amlform-lang --bench validate
    cargo bench -p amlform-emulator --bench requests
    cargo bench -p amlform-cli --bench plan
    cargo bench -p amlform-plan --bench diff
    cargo bench -p amlform-cli --bench apply

# The emulator on https://127.0.0.1:8443 and http://127.0.0.1:8080.
emulator:
    cargo run -q -p amlform-cli -- emulator serve --http-port 8080

# The README's first command: the quickstart, no Azure account needed.
demo:
    cargo run -q -p amlform-cli -- -C examples/quickstart apply --auto-approve

# Accept changed snapshots after reviewing them.
snapshots:
    INSTA_UPDATE=always cargo test --workspace
