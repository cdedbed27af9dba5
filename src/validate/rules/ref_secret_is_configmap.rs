//! R014: a Secret reference that names a ConfigMap (or the other way round).
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R014",
        name: "secret-ref-names-configmap",
        family: Family::Reference,
        severity: REF,
        summary: "secretKeyRef/secretRef/a secret volume names an object that is a ConfigMap, not a Secret (or configMap references name a Secret): the pod will not start",
        hint: "store credentials in a Secret and reference it as one; keep ConfigMap references for ConfigMaps",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: postgres-secrets\ndata:\n  user: app\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: db\nspec:\n  containers:\n  - name: db\n    image: postgres:16.4\n    env:\n    - name: POSTGRES_USER\n      valueFrom:\n        secretKeyRef: {name: postgres-secrets, key: user}\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: postgres-secrets\ndata:\n  user: app\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: db\nspec:\n  containers:\n  - name: db\n    image: postgres:16.4\n    env:\n    - name: POSTGRES_USER\n      valueFrom:\n        configMapKeyRef: {name: postgres-secrets, key: user}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for r in o.refs() {
        let other = match r.kind {
            "Secret" => "ConfigMap",
            "ConfigMap" => "Secret",
            _ => continue,
        };
        if !r.primary || r.optional {
            continue;
        }
        let ns = r.namespace.unwrap_or(o.namespace);
        if cx.index.exists(cx.objs, r.kind, ns, r.name)
            || !cx.index.exists(cx.objs, other, ns, r.name)
        {
            continue;
        }
        out.report(
            &RULE.info,
            o,
            r.field.clone(),
            format!(
                "{} names {} {}, but the build has no {} {} (there is a {other} of that name)",
                r.via, r.kind, r.name, r.kind, r.name
            ),
        );
    }
}
