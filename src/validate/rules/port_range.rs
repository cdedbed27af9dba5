//! S012: a port number outside 1–65535, or a port name that is not an IANA service name.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, names};

use super::{API, Rule, RuleInfo, is_builtin, obj_containers};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S012",
        name: "port-range",
        family: Family::Schema,
        severity: API,
        summary: "a port number outside 1–65535 (container, Service, probe, NetworkPolicy ports), or a port name that is not an IANA service name (at most 15 lowercase alphanumerics or '-', with a letter)",
        hint: "use a port between 1 and 65535, and names like `http` or `metrics`",
        bad: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 70000\n",
        good: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n",
    },
    check: Some(check),
    also: &[],
};

/// Checks a port number (`min` is 0 where 0 means "not set"). Paths are built only for a
/// finding: most objects have none, and this rule visits every port.
fn number(o: &Obj<'_>, v: Option<&Value>, path: &dyn Fn() -> String, min: i64, out: &mut Sink<'_>) {
    let Some(n) = v.and_then(Value::as_i64) else {
        return;
    };
    if n < min || n > 65535 {
        out.report(
            &RULE.info,
            o,
            path(),
            format!("port {n} is out of range ({min}-65535)"),
        );
    }
}

/// An int-or-string port: a number in range or a valid name.
fn int_or_name(o: &Obj<'_>, v: Option<&Value>, path: &dyn Fn() -> String, out: &mut Sink<'_>) {
    match v {
        Some(Value::String(s)) => {
            if let Some(e) = names::port_name(s) {
                out.report(
                    &RULE.info,
                    o,
                    path(),
                    format!("invalid port name {s:?}: {e}"),
                );
            }
        }
        Some(n @ Value::Number(_)) => number(o, Some(n), path, 1, out),
        _ => {}
    }
}

/// [`number`] on `parent.field`, reported at `<base>.<field>`.
fn number_at(
    o: &Obj<'_>,
    parent: &Value,
    field: &str,
    base: &dyn Fn() -> String,
    min: i64,
    out: &mut Sink<'_>,
) {
    number(
        o,
        parent.field(field),
        &|| format!("{}.{field}", base()),
        min,
        out,
    );
}

/// [`int_or_name`] on `parent.field`, reported at `<base>.<field>`.
fn int_or_name_at(
    o: &Obj<'_>,
    parent: &Value,
    field: &str,
    base: &dyn Fn() -> String,
    out: &mut Sink<'_>,
) {
    int_or_name(
        o,
        parent.field(field),
        &|| format!("{}.{field}", base()),
        out,
    );
}

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    for c in obj_containers(o) {
        if let Some(ports) = c.value.field("ports").and_then(Value::as_array) {
            for (i, p) in ports.iter().enumerate() {
                let base = || format!("{}.ports[{i}]", c.path);
                number_at(o, p, "containerPort", &base, 1, out);
                number_at(o, p, "hostPort", &base, 0, out);
                if let Some(n) = p.field("name").and_then(Value::as_str) {
                    if let Some(e) = names::port_name(n) {
                        out.report(
                            &RULE.info,
                            o,
                            format!("{}.name", base()),
                            format!("invalid port name {n:?}: {e}"),
                        );
                    }
                }
            }
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let Some(p) = c.value.field(probe) else {
                continue;
            };
            for h in ["httpGet", "tcpSocket"] {
                if let Some(handler) = p.field(h) {
                    int_or_name_at(
                        o,
                        handler,
                        "port",
                        &|| format!("{}.{probe}.{h}", c.path),
                        out,
                    );
                }
            }
            if let Some(grpc) = p.field("grpc") {
                number_at(
                    o,
                    grpc,
                    "port",
                    &|| format!("{}.{probe}.grpc", c.path),
                    1,
                    out,
                );
            }
        }
    }
    match o.kind {
        "Service" => {
            let Some(ports) = o.get(&["spec", "ports"]).and_then(Value::as_array) else {
                return;
            };
            for (i, p) in ports.iter().enumerate() {
                let base = || format!("spec.ports[{i}]");
                number_at(o, p, "port", &base, 1, out);
                number_at(o, p, "nodePort", &base, 0, out);
                int_or_name_at(o, p, "targetPort", &base, out);
            }
        }
        "NetworkPolicy" => {
            for dir in ["ingress", "egress"] {
                let Some(rules) = o.get(&["spec", dir]).and_then(Value::as_array) else {
                    continue;
                };
                for (i, r) in rules.iter().enumerate() {
                    let Some(ports) = r.field("ports").and_then(Value::as_array) else {
                        continue;
                    };
                    for (j, p) in ports.iter().enumerate() {
                        let base = || format!("spec.{dir}[{i}].ports[{j}]");
                        int_or_name_at(o, p, "port", &base, out);
                        number_at(o, p, "endPort", &base, 1, out);
                    }
                }
            }
        }
        _ => {}
    }
}
