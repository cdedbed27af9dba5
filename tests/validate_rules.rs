//! Every validation rule against its own failing and passing example (the same examples
//! `stackgen rules` and docs/rules.md show), plus the build's own notes.
use std::path::PathBuf;
use std::sync::Arc;

use stackgen::build::files::resources_from_bytes;
use stackgen::validate::{self, Options, rules};

#[path = "support/production_report.rs"]
mod production_report;
use production_report::production_codes;

fn codes(yaml: &str) -> Vec<&'static str> {
    let rm = resources_from_bytes(yaml.as_bytes(), Arc::new(PathBuf::from("example.yaml")))
        .unwrap_or_else(|e| panic!("example does not load: {e}\n{yaml}"));
    // Production: every rule is on (errors or warnings).
    production_codes(&rm)
}

#[test]
fn every_rule_flags_its_bad_example_and_accepts_its_good_one() {
    let mut checked = 0;
    for r in rules::ALL {
        let i = &r.info;
        if i.bad.is_empty() {
            continue; // K rules: reported by the build (see below)
        }
        let bad = codes(i.bad);
        assert!(
            bad.contains(&i.code),
            "{}: bad example not flagged; got {bad:?}",
            i.code
        );
        let good = codes(i.good);
        assert!(
            !good.contains(&i.code),
            "{}: good example flagged; got {good:?}",
            i.code
        );
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} rules have examples");
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for r in rules::ALL {
        let c = r.info.code;
        assert!(seen.insert(c), "duplicate code {c}");
        assert_eq!(c.len(), 4, "{c}");
        let fam = match r.info.family {
            validate::Family::Schema => 'S',
            validate::Family::Reference => 'R',
            validate::Family::Policy => 'P',
            validate::Family::Build => 'K',
        };
        assert!(c.starts_with(fam), "{c} is not in family {fam}");
        assert!(!r.info.hint.is_empty() && !r.info.summary.is_empty(), "{c}");
    }
}

#[test]
fn docs_rules_md_is_current() {
    let want = validate::output::rules_doc(true);
    let have = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md"))
        .unwrap_or_default();
    assert!(
        want == have,
        "docs/rules.md is stale: run `stackgen rules --format markdown > docs/rules.md`"
    );
}

#[test]
fn empty_resource_file_is_noted() {
    let rm = resources_from_bytes(
        b"# nothing here\n---\n",
        Arc::new(PathBuf::from("empty.yaml")),
    )
    .unwrap();
    let report = validate::validate(&rm, &Options::default());
    let d = &report.diagnostics[0];
    assert_eq!(d.code, "K001");
    assert_eq!(d.severity, validate::Severity::Warning);
    assert!(d.file.as_ref().unwrap().ends_with("empty.yaml"));
}

#[test]
fn custom_resources_without_crd_are_skipped_once() {
    let y = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: a\nspec: {x: 1}\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: b\n";
    let rm = resources_from_bytes(y.as_bytes(), Arc::new(PathBuf::from("x.yaml"))).unwrap();
    let report = validate::validate(&rm, &Options::default());
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].count, 2);
}

#[test]
fn crd_schema_checks_custom_resources() {
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            required: [size]\n            properties:\n              size: {type: integer, minimum: 1}\n              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}\n";
    let cr = |spec: &str| {
        format!(
            "{crd}---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n{spec}"
        )
    };
    assert!(codes(&cr("  size: 2\n  extra: {anything: [1]}\n")).is_empty());
    assert_eq!(codes(&cr("  size: \"2\"\n")), vec!["S002"]);
    assert_eq!(codes(&cr("  sise: 2\n")), vec!["S001", "S003"]);
    assert_eq!(codes(&cr("  size: 0\n")), vec!["S021"]);
}

#[test]
fn kube_version_changes_removed_apis() {
    let y = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: a\nspec:\n  minAvailable: 1\n";
    let rm = resources_from_bytes(y.as_bytes(), Arc::new(PathBuf::from("x.yaml"))).unwrap();
    let on = |v: &str| {
        let opts = Options {
            kube_version: v.parse().unwrap(),
            ..Options::default()
        };
        validate::validate(&rm, &opts)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>()
    };
    assert_eq!(on("1.33"), vec!["P015"]);
    assert!(on("1.24").is_empty());
}

/// Removals before 1.22 (not even kustomize's 1.21 schema knows them) stay S005, an error in
/// every profile; later ones are P015, a warning unless the environment is production.
#[test]
fn old_removals_are_schema_errors_newer_ones_policy() {
    let y = "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: a\nspec: {}\n";
    assert_eq!(codes(y), vec!["S005"]);
    let info = |c: &str| &validate::rules::by_code(c).unwrap().info;
    assert_eq!(info("S005").severity, validate::rules::API);
    assert_eq!(
        info("P015").severity,
        [
            validate::Severity::Warning,
            validate::Severity::Error,
            validate::Severity::Warning
        ]
    );
}

#[test]
fn ignore_annotation_silences_a_rule() {
    let y = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    stackgen.dev/validate-ignore: P006\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n";
    assert!(!codes(y).contains(&"P006"));
}
