//! R006: a Service named by an Ingress backend is not in the build (503s at the edge)
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo, missing_refs};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R006",
        name: "service-missing",
        family: Family::Reference,
        severity: REF,
        summary: "a Service named by an Ingress backend is not in the build (503s at the edge)",
        hint: "point the backend at a Service of the build, or add the Service",
        bad: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: grafana\n  namespace: shop\nspec:\n  defaultBackend:\n    service:\n      name: grafana-web\n      port: {number: 80}\n",
        good: "apiVersion: v1\nkind: Service\nmetadata:\n  name: grafana-web\n  namespace: shop\nspec:\n  ports:\n  - port: 80\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: grafana\n  namespace: shop\nspec:\n  defaultBackend:\n    service:\n      name: grafana-web\n      port: {number: 80}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    missing_refs(cx, o, out, "Service", &RULE.info);
}
