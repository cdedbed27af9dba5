//! R005: a RoleBinding or ClusterRoleBinding whose roleRef names a Role/ClusterRole that is
//! not in the build (built-in ClusterRoles such as `view`, `edit`, `admin`, `cluster-admin`
//! and `system:*` are known to exist).
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R005",
        name: "role-missing",
        family: Family::Reference,
        severity: REF,
        summary: "a RoleBinding/ClusterRoleBinding roleRef names a Role or ClusterRole that is not in the build (and is not a built-in ClusterRole)",
        hint: "add the Role/ClusterRole or fix roleRef.name and roleRef.kind",
        bad: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: web\n  namespace: shop\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: web-reader\nsubjects: []\n",
        good: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: web\n  namespace: shop\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\nsubjects: []\n",
    },
    check: Some(check),
    also: &[],
};

const BUILTIN_CLUSTER_ROLES: &[&str] = &["cluster-admin", "admin", "edit", "view"];

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "RoleBinding" && o.kind != "ClusterRoleBinding" {
        return;
    }
    for r in o.refs() {
        if r.via != "roleRef" {
            continue;
        }
        let found = match r.kind {
            "ClusterRole" => {
                BUILTIN_CLUSTER_ROLES.contains(&r.name)
                    || r.name.starts_with("system:")
                    || cx.index.exists(cx.objs, "ClusterRole", "", r.name)
            }
            "Role" => cx.index.exists(cx.objs, "Role", o.namespace, r.name),
            _ => true,
        };
        if !found {
            out.report(
                &RULE.info,
                o,
                r.field.clone(),
                format!(
                    "roleRef names {} {}, which is not in the build",
                    r.kind, r.name
                ),
            );
        }
    }
}
