//! Validating objects with the built-in production policy (every rule on), as the rule,
//! exception and example tests do.
#![allow(dead_code)]

use stackgen::resmap::ResMap;
use stackgen::validate::config::Profile;
use stackgen::validate::{self, Options, Policy, Report};

/// The report of `rm` under the production profile.
pub fn production_report(rm: &ResMap) -> Report {
    let opts = Options {
        policy: Policy::builtin(Profile::Production),
        ..Options::default()
    };
    validate::validate(rm, &opts)
}

/// The codes of that report's findings, in its order.
pub fn production_codes(rm: &ResMap) -> Vec<&'static str> {
    production_report(rm)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}
