//! Running the `stackgen` binary from a test, with the environment variables that select a
//! Kubernetes version or an environment removed, so the host cannot change the outcome.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub fn stackgen(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(args)
        .current_dir(cwd)
        .env_remove("KUBE_VERSION")
        .env_remove("STACKGEN_ENV")
        .output()
        .expect("run stackgen")
}
