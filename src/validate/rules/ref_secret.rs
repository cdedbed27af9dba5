//! R002: a Secret named by a volume, envFrom or secretKeyRef (not optional) is not in the build
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo, missing_refs};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R002",
        name: "secret-missing",
        family: Family::Reference,
        severity: REF,
        summary: "a Secret named by a volume, envFrom or secretKeyRef (not optional) is neither in the build nor made by one of its ExternalSecrets, SealedSecrets, SopsSecrets, SecretProviderClasses or cert-manager Certificates",
        hint: "add the Secret (a secretGenerator, an ExternalSecret's target) or fix the name; mark it optional: true if it may be absent",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    env:\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef: {name: db, key: password}\n",
        good: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ndata:\n  password: aHVudGVyMg==\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    env:\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef: {name: db, key: password}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    missing_refs(cx, o, out, "Secret", &RULE.info);
}
