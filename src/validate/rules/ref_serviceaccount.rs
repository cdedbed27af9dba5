//! R004: a ServiceAccount named by serviceAccountName or a RoleBinding subject is not in the build (the controller cannot create pods)
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo, missing_refs};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R004",
        name: "serviceaccount-missing",
        family: Family::Reference,
        severity: REF,
        summary: "a ServiceAccount named by serviceAccountName or a RoleBinding subject is not in the build (the controller cannot create pods)",
        hint: "add the ServiceAccount or fix the name",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  serviceAccountName: web-sa\n  containers:\n  - name: web\n    image: nginx:1.27\n",
        good: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web-sa\n  namespace: shop\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  serviceAccountName: web-sa\n  containers:\n  - name: web\n    image: nginx:1.27\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    missing_refs(cx, o, out, "ServiceAccount", &RULE.info);
}
