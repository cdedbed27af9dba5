//! S022: an API that the target version still serves but has deprecated.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, apis};

use super::{DEPRECATION, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S022",
        name: "api-deprecated",
        family: Family::Schema,
        severity: DEPRECATION,
        summary: "an API that the target Kubernetes version serves but has deprecated",
        hint: "move to the replacement before it is removed",
        bad: "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: db\nsubsets: []\n",
        good: "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: db\naddressType: IPv4\nendpoints: []\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for d in apis::DEPRECATED {
        if d.group == o.group
            && d.version == o.version
            && d.kind == o.kind
            && cx.kube_version.minor >= d.since
        {
            out.report_hint(
                &RULE.info,
                o,
                "apiVersion",
                format!(
                    "{} {} is deprecated since Kubernetes 1.{}",
                    o.res.api_version(),
                    o.kind,
                    d.since
                ),
                format!("use {}", d.replacement),
            );
        }
    }
}
