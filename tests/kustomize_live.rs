//! Live differential test against the reference implementation, `kubectl.1.33 kustomize`
//! (kustomize v5.6.0). It skips itself when that binary is not installed: the committed
//! goldens and snapshots are what the suite relies on.
use std::path::{Path, PathBuf};
use std::process::Command;

use stackgen::build::{BuildOptions, build};

fn reference() -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("/usr/local/bin/kubectl.1.33"),
        PathBuf::from("/usr/lib/google-cloud-sdk/bin/kubectl.1.33"),
    ];
    candidates.into_iter().find(|p| p.is_file())
}

#[test]
fn example_overlays_match_kustomize() {
    let Some(kubectl) = reference() else {
        eprintln!("skipped: kubectl.1.33 not installed");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for overlay in ["dev", "staging", "production"] {
        let dir = root.join("overlays").join(overlay);
        // kustomize does not expand typed Stacks: such trees have only their goldens.
        if uses_stacks(&dir) || uses_stacks(&root.join("base")) {
            eprintln!(
                "skipped overlays/{overlay}: it builds a typed Stack, which kustomize cannot expand"
            );
            continue;
        }
        let out = Command::new(&kubectl)
            .arg("kustomize")
            .arg(&dir)
            .output()
            .expect("run kubectl");
        assert!(out.status.success(), "kubectl failed on {overlay}");
        let want = String::from_utf8_lossy(&out.stdout).into_owned();
        let rm = build(&dir, &BuildOptions::default()).unwrap_or_else(|e| panic!("{overlay}: {e}"));
        let got = stackgen::yaml::emit::emit_stream(rm.iter().map(|r| &r.body));
        assert_eq!(
            got, want,
            "overlays/{overlay}: stackgen and kustomize differ"
        );
    }
}

/// Whether a kustomization directory holds a `stackgen.dev` Stack (or a patch of one).
fn uses_stacks(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("apiVersion: stackgen.dev/"))
        })
}
