//! R008: a named port that the target does not define: a Service targetPort name that no
//! selected pod's containers declare, an Ingress backend port name the Service lacks.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, index};

use super::{REF, Rule, RuleInfo, containers};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R008",
        name: "named-port-missing",
        family: Family::Reference,
        severity: REF,
        summary: "a port referenced by name that the target does not define (Service targetPort vs the selected pods' container ports; Ingress backend port name vs the Service's ports)",
        hint: "name the port in the target (containers[].ports[].name or spec.ports[].name) or refer to it by number",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    ports:\n    - {name: web, containerPort: 8080}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: http\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    ports:\n    - {name: http, containerPort: 8080}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: http\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    match o.kind {
        "Service" => service(cx, o, out),
        "Ingress" => ingress(cx, o, out),
        _ => {}
    }
}

fn service(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    let Some(sel) = o
        .get(&["spec", "selector"])
        .and_then(Value::as_object)
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    let Some(ports) = o.get(&["spec", "ports"]).and_then(Value::as_array) else {
        return;
    };
    let named: Vec<(usize, &str)> = ports
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.field("targetPort")?.as_str()?)))
        .collect();
    if named.is_empty() {
        return;
    }
    let pods = cx.index.pods_matching(o.namespace, sel, None);
    if pods.is_empty() {
        return; // R009
    }
    for (i, name) in named {
        let found = pods.iter().any(|p| {
            containers(p.spec, "").iter().any(|c| {
                c.value
                    .field("ports")
                    .and_then(Value::as_array)
                    .is_some_and(|ps| {
                        ps.iter()
                            .any(|x| x.field("name").and_then(Value::as_str) == Some(name))
                    })
            })
        });
        if !found {
            out.report(
                &RULE.info,
                o,
                format!("spec.ports[{i}].targetPort"),
                format!("targetPort {name:?} is not the name of a container port of the pods this Service selects ({})", owners(cx, &pods)),
            );
        }
    }
}

fn owners(cx: &Ctx<'_>, pods: &[&index::PodTemplate<'_>]) -> String {
    let mut v: Vec<String> = pods
        .iter()
        .take(3)
        .map(|p| {
            let r = &cx.objs[p.obj];
            format!("{} {}", r.kind(), r.name())
        })
        .collect();
    if pods.len() > 3 {
        v.push("...".into());
    }
    v.join(", ")
}

fn ingress(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for r in o.refs() {
        if r.kind != "Service" {
            continue;
        }
        let Some((port, field)) = &r.key else {
            continue;
        };
        let Some(i) = cx
            .index
            .find(cx.objs, "Service", o.namespace, r.name)
            .next()
        else {
            continue;
        };
        let has = cx.objs[i]
            .body
            .field("spec")
            .and_then(|s| s.field("ports"))
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p.field("name").and_then(Value::as_str) == Some(port))
            });
        if !has {
            out.report(
                &RULE.info,
                o,
                field.clone(),
                format!("Service {} has no port named {port:?}", r.name),
            );
        }
    }
}
