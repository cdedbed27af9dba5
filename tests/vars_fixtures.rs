//! `vars` against kustomize: every directory under `tests/fixtures/vars/` is a tree built
//! with the `stackgen` binary (see `support/fixture_runner.rs`).
#[path = "support/fixture_runner.rs"]
mod fixture_runner;

#[test]
fn vars_fixtures_match_kustomize() {
    let failures = fixture_runner::check("vars", 8);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
