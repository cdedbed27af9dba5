//! R003: a PersistentVolumeClaim named by a persistentVolumeClaim volume is not in the build (pods stay Pending)
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo, missing_refs};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R003",
        name: "pvc-missing",
        family: Family::Reference,
        severity: REF,
        summary: "a PersistentVolumeClaim named by a persistentVolumeClaim volume is not in the build (pods stay Pending)",
        hint: "add the PersistentVolumeClaim or fix claimName",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  volumes:\n  - name: data\n    persistentVolumeClaim: {claimName: uploads-data}\n  containers:\n  - name: web\n    image: nginx:1.27\n",
        good: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: uploads-data\n  namespace: shop\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests: {storage: 1Gi}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  volumes:\n  - name: data\n    persistentVolumeClaim: {claimName: uploads-data}\n  containers:\n  - name: web\n    image: nginx:1.27\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    missing_refs(cx, o, out, "PersistentVolumeClaim", &RULE.info);
}
