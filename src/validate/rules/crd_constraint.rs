//! S021: a custom resource value that breaks a constraint of its CRD's schema.
use crate::validate::diag::Family;

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S021",
        name: "crd-constraint",
        family: Family::Schema,
        severity: API,
        summary: "a custom resource value outside its CRD's enum, minimum/maximum, length, item count or pattern (types, required and unknown fields of custom resources are S001–S003)",
        hint: "change the value to satisfy the CRD's openAPIV3Schema",
        bad: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size: {type: string, enum: [small, large]}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: medium\n",
        good: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size: {type: string, enum: [small, large]}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: large\n",
    },
    check: None,
    also: &[],
};
