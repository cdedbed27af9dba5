//! The rules: one file each, listed in [`ALL`].
//!
//! A rule is its metadata ([`RuleInfo`]: code, name, family, severity per profile, summary,
//! hint, and a failing and a passing example that the test suite runs and `docs/rules.md`
//! shows) and, for most rules, a check run once per object. The schema rules S001–S004,
//! S013 and S015 share one walk of the object against the schema (driven from S001's
//! check), so an object is walked once whatever the number of schema rules.
use crate::lookup::Lookup;
use crate::value::Value;

use super::config::Policy;
use super::diag::{Family, Severity};
use super::{Ctx, Obj, Sink};

pub mod api_deprecated;
pub mod api_removed;
pub mod api_unknown_kind;
pub mod build_empty_file;
pub mod build_patch_unmatched;
pub mod crd_constraint;
pub mod duplicate_name;
pub mod image_missing;
pub mod invalid_annotation;
pub mod invalid_data_key;
pub mod invalid_label;
pub mod invalid_name;
pub mod negative_value;
pub mod not_base64;
pub mod policy_api_removed;
pub mod policy_configmap_credential;
pub mod policy_env_credential;
pub mod policy_exception_invalid;
pub mod policy_exception_unused;
pub mod policy_image_latest;
pub mod policy_image_untagged;
pub mod policy_limits;
pub mod policy_liveness_probe;
pub mod policy_namespace_pod_security;
pub mod policy_probe_timeout;
pub mod policy_readiness_probe;
pub mod policy_requests;
pub mod policy_secret_data;
pub mod policy_security_context;
pub mod port_range;
pub mod quantity_invalid;
pub mod ref_configmap;
pub mod ref_key;
pub mod ref_netpol_namespace;
pub mod ref_netpol_pods;
pub mod ref_port_name;
pub mod ref_pvc;
pub mod ref_role;
pub mod ref_scale_target;
pub mod ref_secret;
pub mod ref_secret_is_configmap;
pub mod ref_service;
pub mod ref_service_selector;
pub mod ref_serviceaccount;
pub mod ref_statefulset_service;
pub mod requests_exceed_limits;
pub mod schema_integer_range;
pub mod schema_required;
pub mod schema_unknown_field;
pub mod schema_wrong_type;
pub mod selector_mismatch;
pub mod unsupported_value;
pub mod volume_mount_unknown;

/// What a rule is; shown by `stackgen rules` and in `docs/rules.md`.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable code: `S` schema/API, `R` references, `P` policy, `K` build inputs.
    pub code: &'static str,
    pub name: &'static str,
    pub family: Family,
    /// Severity in the profiles default, production and dev.
    pub severity: [Severity; 3],
    /// One line: what is wrong.
    pub summary: &'static str,
    /// One line: how to fix it.
    pub hint: &'static str,
    /// Objects (a YAML stream) that trigger the rule.
    pub bad: &'static str,
    /// The same, fixed: the rule stays quiet.
    pub good: &'static str,
}

pub type Check = fn(&Ctx<'_>, &Obj<'_>, &mut Sink<'_>);

pub struct Rule {
    pub info: RuleInfo,
    pub check: Option<Check>,
    /// Codes whose findings this rule's check also produces (the shared schema walk).
    pub also: &'static [&'static str],
}

/// API-server rejections: errors everywhere.
pub const API: [Severity; 3] = [Severity::Error, Severity::Error, Severity::Error];
/// Broken references: warnings, errors in production.
pub const REF: [Severity; 3] = [Severity::Warning, Severity::Error, Severity::Warning];
/// Guardrails: warnings, errors in production, notes in dev.
pub const POLICY: [Severity; 3] = [Severity::Warning, Severity::Error, Severity::Info];
/// Softer guardrails: warnings, also in production; off in dev.
pub const POLICY_SOFT: [Severity; 3] = [Severity::Warning, Severity::Warning, Severity::Off];
/// Deprecations.
pub const DEPRECATION: [Severity; 3] = [Severity::Warning, Severity::Warning, Severity::Info];

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &schema_unknown_field::RULE,
    &schema_wrong_type::RULE,
    &schema_required::RULE,
    &schema_integer_range::RULE,
    &api_removed::RULE,
    &api_unknown_kind::RULE,
    &invalid_name::RULE,
    &invalid_label::RULE,
    &invalid_annotation::RULE,
    &selector_mismatch::RULE,
    &negative_value::RULE,
    &port_range::RULE,
    &quantity_invalid::RULE,
    &image_missing::RULE,
    &not_base64::RULE,
    &invalid_data_key::RULE,
    &duplicate_name::RULE,
    &volume_mount_unknown::RULE,
    &unsupported_value::RULE,
    &requests_exceed_limits::RULE,
    &crd_constraint::RULE,
    &api_deprecated::RULE,
    &ref_configmap::RULE,
    &ref_secret::RULE,
    &ref_pvc::RULE,
    &ref_serviceaccount::RULE,
    &ref_role::RULE,
    &ref_service::RULE,
    &ref_scale_target::RULE,
    &ref_port_name::RULE,
    &ref_service_selector::RULE,
    &ref_statefulset_service::RULE,
    &ref_netpol_pods::RULE,
    &ref_netpol_namespace::RULE,
    &ref_key::RULE,
    &ref_secret_is_configmap::RULE,
    &policy_requests::RULE,
    &policy_limits::RULE,
    &policy_readiness_probe::RULE,
    &policy_liveness_probe::RULE,
    &policy_probe_timeout::RULE,
    &policy_image_latest::RULE,
    &policy_image_untagged::RULE,
    &policy_security_context::RULE,
    &policy_configmap_credential::RULE,
    &policy_env_credential::RULE,
    &policy_exception_invalid::RULE,
    &policy_exception_unused::RULE,
    &policy_namespace_pod_security::RULE,
    &policy_secret_data::RULE,
    &policy_api_removed::RULE,
    &build_empty_file::RULE,
    &build_patch_unmatched::RULE,
];

pub fn by_code(code: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.info.code == code)
}

/// Whether a rule's check must run under `policy`.
pub fn wanted(rule: &Rule, policy: &Policy) -> bool {
    policy.severity(&rule.info) != Severity::Off
        || rule
            .also
            .iter()
            .filter_map(|c| by_code(c))
            .any(|r| policy.severity(&r.info) != Severity::Off)
}

/// A container of a pod spec: its value and field path.
pub struct Container<'v> {
    pub value: &'v Value,
    pub path: String,
    pub name: &'v str,
    /// `initContainers` or `ephemeralContainers` rather than `containers`.
    pub init: bool,
}

/// The pod spec of `o` (if its kind has one) and its path.
pub fn pod_spec<'o, 'v>(o: &'o Obj<'v>) -> Option<(&'v Value, &'o str)> {
    o.pod_spec()
}

/// Every container of a pod spec, init containers included.
pub fn containers<'v>(spec: &'v Value, base: &str) -> Vec<Container<'v>> {
    let mut out = Vec::new();
    for (list, init) in [
        ("containers", false),
        ("initContainers", true),
        ("ephemeralContainers", true),
    ] {
        if let Some(a) = spec.field(list).and_then(Value::as_array) {
            for (i, c) in a.iter().enumerate() {
                out.push(Container {
                    value: c,
                    path: format!("{base}.{list}[{i}]"),
                    name: c.field("name").and_then(Value::as_str).unwrap_or(""),
                    init,
                });
            }
        }
    }
    out
}

/// Containers of `o`'s pod spec.
pub fn obj_containers<'o, 'v>(o: &'o Obj<'v>) -> &'o [Container<'v>] {
    o.containers()
}

/// Whether `o` is a built-in Kubernetes object (so API rules apply); custom resources and
/// kinds the build cannot know are left to the CRD check.
pub fn is_builtin(o: &Obj<'_>) -> bool {
    o.schema().is_some()
}

/// Reports references of `o` to objects of `kind` that are not in the build.
/// `other_kind_is_ok`: when an object of that kind has the name, leave it to R014.
pub fn missing_refs(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>, kind: &str, rule: &RuleInfo) {
    for r in o.refs() {
        if r.kind != kind || !r.primary || r.optional {
            continue;
        }
        let ns = r.namespace.unwrap_or(o.namespace);
        if cx.index.exists(cx.objs, kind, ns, r.name) {
            continue;
        }
        let counterpart = match kind {
            "Secret" => Some("ConfigMap"),
            "ConfigMap" => Some("Secret"),
            _ => None,
        };
        if counterpart.is_some_and(|k| cx.index.exists(cx.objs, k, ns, r.name)) {
            continue; // R014 says it better
        }
        let where_ns = if ns.is_empty() {
            String::new()
        } else {
            format!(" in namespace {ns}")
        };
        out.report(
            rule,
            o,
            r.field.clone(),
            format!(
                "{} {}{} (named by {}) is not in the build",
                r.kind, r.name, where_ns, r.via
            ),
        );
    }
}

/// Reports every long-running container (Deployment, StatefulSet, DaemonSet; init
/// containers excepted) that lacks the probe field `probe` (P003, P004).
pub fn report_missing_probe(info: &RuleInfo, probe: &str, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !matches!(o.kind, "Deployment" | "StatefulSet" | "DaemonSet") {
        return;
    }
    for c in obj_containers(o) {
        if !c.init && c.value.field(probe).is_none() {
            out.report(
                info,
                o,
                format!("{}.{probe}", c.path),
                format!("container {:?} has no {probe}", c.name),
            );
        }
    }
}
