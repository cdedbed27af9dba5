//! P008: a container that may run as root, escalate privileges or run privileged.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{POLICY, Rule, RuleInfo, obj_containers, pod_spec};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P008",
        name: "security-context",
        family: Family::Policy,
        severity: POLICY,
        summary: "a container without a restrictive securityContext: privileged, allowPrivilegeEscalation not false, or runAsNonRoot not true (on the container or the pod)",
        hint: "set securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: web\n    image: nginx:1.27\n    securityContext:\n      allowPrivilegeEscalation: false\n",
    },
    check: Some(check),
    also: &[],
};

fn flag(v: Option<&Value>, k: &str) -> Option<bool> {
    v.and_then(|s| s.field(k)).and_then(Value::as_bool)
}

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    let Some((spec, _)) = pod_spec(o) else { return };
    let pod_sc = spec.field("securityContext");
    for c in obj_containers(o) {
        let sc = c.value.field("securityContext");
        let mut problems = Vec::new();
        if flag(sc, "privileged") == Some(true) {
            problems.push("runs privileged");
        }
        if flag(sc, "allowPrivilegeEscalation") != Some(false) {
            problems.push("does not set allowPrivilegeEscalation: false");
        }
        let non_root = flag(sc, "runAsNonRoot").or(flag(pod_sc, "runAsNonRoot"));
        let uid = sc
            .and_then(|s| s.field("runAsUser"))
            .or(pod_sc.and_then(|s| s.field("runAsUser")))
            .and_then(Value::as_i64);
        if non_root != Some(true) && uid.is_none_or(|u| u == 0) {
            problems.push("may run as root (runAsNonRoot is not true)");
        }
        if !problems.is_empty() {
            out.report(
                &RULE.info,
                o,
                format!("{}.securityContext", c.path),
                format!("container {:?} {}", c.name, problems.join(", ")),
            );
        }
    }
}
