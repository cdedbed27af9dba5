//! R001: a ConfigMap named by a volume, envFrom or configMapKeyRef (not optional) is not in the build
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo, missing_refs};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R001",
        name: "configmap-missing",
        family: Family::Reference,
        severity: REF,
        summary: "a ConfigMap named by a volume, envFrom or configMapKeyRef (not optional) is not in the build",
        hint: "add the ConfigMap (or a configMapGenerator), fix the name, or mark the reference optional: true",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    envFrom:\n    - configMapRef:\n        name: web-settings\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\n  namespace: shop\ndata:\n  MODE: prod\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    envFrom:\n    - configMapRef:\n        name: web-settings\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    missing_refs(cx, o, out, "ConfigMap", &RULE.info);
}
