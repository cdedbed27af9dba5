//! `transformers:` (builtin transformer configs) and the refusal of external plugins and
//! validators, against kustomize: every directory under `tests/fixtures/transformer-configs/`
//! is a tree built with the `stackgen` binary (see `support/fixture_runner.rs`).
#[path = "support/fixture_runner.rs"]
mod fixture_runner;

#[test]
fn transformer_config_fixtures_match_kustomize() {
    let failures = fixture_runner::check("transformer-configs", 16);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
