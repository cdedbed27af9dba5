//! P010: a credential written as a literal env value.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::policy_configmap_credential::{has_url_password, is_credential_key, is_literal_secret};
use super::{POLICY, Rule, RuleInfo, obj_containers};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P010",
        name: "env-plaintext-credential",
        family: Family::Policy,
        severity: POLICY,
        summary: "an env variable named like a credential (DB_PASSWORD, API_TOKEN, ...) with a literal `value`, or any env value that is a URL with a literal password in it",
        hint: "use valueFrom.secretKeyRef instead of a literal value",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    env:\n    - name: DB_PASSWORD\n      value: hunter2\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    env:\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef: {name: db, key: password}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for c in obj_containers(o) {
        let Some(env) = c.value.field("env").and_then(Value::as_array) else {
            continue;
        };
        for (i, e) in env.iter().enumerate() {
            let (Some(n), Some(v)) = (
                e.field("name").and_then(Value::as_str),
                e.field("value").and_then(Value::as_str),
            ) else {
                continue;
            };
            if has_url_password(v) {
                out.report(
                    &RULE.info,
                    o,
                    format!("{}.env[{i}].value", c.path),
                    format!(
                        "container {:?} sets {n} to a URL with a literal password",
                        c.name
                    ),
                );
            } else if is_credential_key(n) && is_literal_secret(v) {
                out.report(
                    &RULE.info,
                    o,
                    format!("{}.env[{i}].value", c.path),
                    format!("container {:?} sets {n} to a literal value", c.name),
                );
            }
        }
    }
}
