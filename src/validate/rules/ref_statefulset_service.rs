//! R010: a StatefulSet whose serviceName is not a headless Service of the build.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R010",
        name: "statefulset-service-not-headless",
        family: Family::Reference,
        severity: REF,
        summary: "a StatefulSet's serviceName names a Service that is not in the build or is not headless (clusterIP: None), so pods get no stable DNS names",
        hint: "point serviceName at a Service with clusterIP: None (keep a regular Service beside it for clients)",
        bad: "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  ports:\n  - port: 5432\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16.4\n",
        good: "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  ports:\n  - port: 5432\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16.4\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "StatefulSet" {
        return;
    }
    let Some(name) = o
        .get(&["spec", "serviceName"])
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    let found: Vec<usize> = cx
        .index
        .find(cx.objs, "Service", o.namespace, name)
        .collect();
    if found.is_empty() {
        out.report(
            &RULE.info,
            o,
            "spec.serviceName",
            format!("serviceName names Service {name}, which is not in the build"),
        );
        return;
    }
    let headless = found.iter().any(|i| {
        cx.objs[*i]
            .body
            .field("spec")
            .and_then(|s| s.field("clusterIP"))
            .and_then(Value::as_str)
            == Some("None")
    });
    if !headless {
        out.report(
            &RULE.info,
            o,
            "spec.serviceName",
            format!("serviceName names Service {name}, which is not headless (clusterIP: None)"),
        );
    }
}
