//! P014: a Secret whose values are in the build (so in the repository, or in files beside it).
use crate::value::Value;

use crate::validate::diag::{Family, Severity};
use crate::validate::{Ctx, Obj, Sink};

use super::{Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P014",
        name: "secret-data-in-build",
        family: Family::Policy,
        // A production guardrail: a note elsewhere, off in dev (fake generated Secrets are
        // how a kind cluster gets its credentials).
        severity: [Severity::Info, Severity::Error, Severity::Off],
        summary: "a Secret with data or stringData in the build: its values sit in the repository (or in files a secretGenerator reads) in plain text, base64 is no encryption",
        hint: "deliver production secrets by reference: an ExternalSecret, a SealedSecret, a SOPS-encrypted SopsSecret or the Secrets Store CSI driver",
        bad: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: aHVudGVyMg==\n",
        good: "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: db\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n  target: {name: db}\n  data:\n  - secretKey: password\n    remoteRef: {key: app/db, property: password}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "Secret" || !o.group.is_empty() {
        return;
    }
    for field in ["data", "stringData"] {
        let Some(m) = o.get(&[field]).and_then(Value::as_object) else {
            continue;
        };
        if m.is_empty() {
            continue;
        }
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        out.report(
            &RULE.info,
            o,
            field,
            format!(
                "Secret {} carries its values ({}) in the build",
                o.name,
                keys.join(", ")
            ),
        );
        return;
    }
}
