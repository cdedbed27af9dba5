//! S007: an object name or namespace the API server refuses (DNS-1123/1035 rules per kind).
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, names};

use super::{API, Rule, RuleInfo, is_builtin};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S007",
        name: "invalid-name",
        family: Family::Schema,
        severity: API,
        summary: "metadata.name or metadata.namespace breaks the kind's naming rule: most kinds need a DNS-1123 subdomain, Namespaces a DNS-1123 label, Services a DNS-1035 label",
        hint: "use lowercase letters, digits and '-' (and '.' where subdomains are allowed)",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: WebFrontend\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-frontend\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    let generate_name = o.get(&["metadata", "generateName"]).is_some();
    if !(o.name.is_empty() && generate_name) {
        let (rule, err) = match o.kind {
            "Namespace" => ("a DNS-1123 label", names::dns1123_label(o.name)),
            "Service" => ("a DNS-1035 label", names::dns1035_label(o.name)),
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => {
                ("a path segment", names::path_segment(o.name))
            }
            _ => ("a DNS-1123 subdomain", names::dns1123_subdomain(o.name)),
        };
        if let Some(e) = err {
            out.report(
                &RULE.info,
                o,
                "metadata.name",
                format!("invalid {} name {:?}: {e} ({rule})", o.kind, o.name),
            );
        }
    }
    if !o.namespace.is_empty() {
        if let Some(e) = names::dns1123_label(o.namespace) {
            out.report(
                &RULE.info,
                o,
                "metadata.namespace",
                format!("invalid namespace {:?}: {e}", o.namespace),
            );
        }
    }
}
