//! Validation of built objects: schema (what the Kubernetes API server would reject),
//! references between objects, and policy guardrails whose severity depends on the
//! environment.
//!
//! Every check is a rule with a stable code, one rule per file under `rules/`, documented in
//! `docs/rules.md` (generated from the same metadata by `stackgen rules --format markdown`).
//!
//! # Performance
//! Everything that does not depend on the objects is precomputed: the 1.33 schema is a
//! static table (see [`schema`]), the rule list is a static slice. Per build, one pass builds
//! an [`index::Index`] (objects by kind and name, pod templates by label, namespaces), then
//! every rule runs once per object and looks things up in the index: no rule scans the
//! whole set per object. Findings get their field's own line at the end, by re-reading only
//! the files that have findings (see [`locate`]).
// Nested `if let`s read better than long let chains in the rules.
#![allow(clippy::collapsible_if, clippy::collapsible_match)]

pub mod apis;
pub mod config;
pub mod diag;
pub mod exceptions;
pub mod index;
pub mod locate;
pub mod names;
pub mod output;
pub mod quantity;
pub mod refs;
pub mod rules;
pub mod schema;

use crate::lookup::Lookup;
use std::collections::BTreeMap;

use crate::value::Value;

pub use apis::KubeVersion;
pub use config::{Config, Policy};
pub use diag::{Diagnostic, Family, Report, Severity, SkippedKind};
pub use rules::{Rule, RuleInfo};

use crate::resmap::ResMap;
use crate::resource::Resource;

/// Annotation that silences rules on one object: `stackgen.dev/validate-ignore: "P006,R004"`.
pub const IGNORE_ANNOTATION: &str = "stackgen.dev/validate-ignore";

/// What to validate against.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub kube_version: KubeVersion,
    pub policy: Policy,
}

/// One object as the rules see it.
pub struct Obj<'a> {
    pub res: &'a Resource,
    pub idx: usize,
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    ignore: Option<&'a str>,
    exceptions: std::cell::OnceCell<Option<exceptions::Exceptions>>,
    refs: std::cell::OnceCell<Vec<refs::Ref<'a>>>,
    schema: std::cell::OnceCell<Option<&'static schema::St>>,
    pod: std::cell::OnceCell<Option<(&'a Value, String)>>,
    containers: std::cell::OnceCell<Vec<rules::Container<'a>>>,
}

impl<'a> Obj<'a> {
    pub fn new(res: &'a Resource, idx: usize) -> Obj<'a> {
        let (group, version) = crate::resource::split_api_version(res.api_version());
        Obj {
            res,
            idx,
            group,
            version,
            kind: res.kind(),
            namespace: res.namespace(),
            name: res.name(),
            ignore: res.annotation(IGNORE_ANNOTATION),
            exceptions: std::cell::OnceCell::new(),
            refs: std::cell::OnceCell::new(),
            schema: std::cell::OnceCell::new(),
            pod: std::cell::OnceCell::new(),
            containers: std::cell::OnceCell::new(),
        }
    }

    /// The 1.33 definition of this object's kind, if it is a built-in kind.
    pub fn schema(&self) -> Option<&'static schema::St> {
        *self
            .schema
            .get_or_init(|| schema::kind_struct(self.group, self.version, self.kind))
    }

    /// The pod spec (for kinds that have one) and its field path.
    pub fn pod_spec(&self) -> Option<(&'a Value, &str)> {
        self.pod
            .get_or_init(|| index::pod_spec(self.kind, &self.res.body))
            .as_ref()
            .map(|(v, p)| (*v, p.as_str()))
    }

    /// The containers of the pod spec (init and ephemeral ones included).
    pub fn containers(&self) -> &[rules::Container<'a>] {
        self.containers.get_or_init(|| match self.pod_spec() {
            Some((spec, base)) => rules::containers(spec, base),
            None => Vec::new(),
        })
    }

    /// The references this object makes (computed once, on first use).
    pub fn refs(&self) -> &[refs::Ref<'a>] {
        self.refs.get_or_init(|| refs::collect(self))
    }

    pub fn body(&self) -> &'a Value {
        &self.res.body
    }

    pub fn get(&self, path: &[&str]) -> Option<&'a Value> {
        get(&self.res.body, path)
    }

    /// `Deployment shop/web`.
    pub fn display(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }

    /// The object's `stackgen.dev/validate-exception` entries (parsed once, on first use).
    pub fn exceptions(&self) -> Option<&exceptions::Exceptions> {
        self.exceptions
            .get_or_init(|| {
                self.res
                    .annotation(exceptions::EXCEPTION_ANNOTATION)
                    .map(exceptions::parse)
            })
            .as_ref()
    }

    fn ignores(&self, code: &str) -> bool {
        self.ignore.is_some_and(|l| {
            l.split([',', ' '])
                .any(|c| c.trim() == code || c.trim() == "*")
        })
    }
}

/// Follows object keys.
pub fn get<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    let mut cur = v;
    for k in path {
        cur = cur.field(k)?;
    }
    Some(cur)
}

/// Everything rules may consult.
pub struct Ctx<'a> {
    pub objs: &'a [Resource],
    pub index: index::Index<'a>,
    pub kube_version: KubeVersion,
    pub crds: schema::crd::CrdTable<'a>,
}

/// Collects findings, applying the policy's severities, the ignore annotation and the
/// exceptions (excepted findings are kept apart, with their justification).
pub struct Sink<'p> {
    policy: &'p Policy,
    out: Vec<Diagnostic>,
    excepted: Vec<Diagnostic>,
    skipped: BTreeMap<(String, String), usize>,
}

impl<'p> Sink<'p> {
    pub fn new(policy: &'p Policy) -> Sink<'p> {
        Sink {
            policy,
            out: Vec::new(),
            excepted: Vec::new(),
            skipped: BTreeMap::new(),
        }
    }

    /// Reports a finding of `rule` on `o` at `field`, with the rule's hint.
    pub fn report(&mut self, rule: &RuleInfo, o: &Obj<'_>, field: impl Into<String>, msg: String) {
        self.report_hint(rule, o, field, msg, rule.hint.to_string())
    }

    /// Reports with a hint of its own.
    pub fn report_hint(
        &mut self,
        rule: &RuleInfo,
        o: &Obj<'_>,
        field: impl Into<String>,
        msg: String,
        hint: String,
    ) {
        let severity = self.policy.severity(rule);
        if severity == Severity::Off || o.ignores(rule.code) {
            return;
        }
        let field = field.into();
        let justification = o
            .exceptions()
            .and_then(|ex| ex.covering(o, rule.code, &field));
        let d = Diagnostic {
            code: rule.code,
            rule: rule.name,
            severity,
            file: Some(o.res.origin.file.clone()).filter(|f| !f.as_os_str().is_empty()),
            line: o.res.origin.line,
            resource: Some(o.display()),
            field,
            message: msg,
            hint,
            justification,
        };
        if d.justification.is_some() {
            self.excepted.push(d);
        } else {
            self.out.push(d);
        }
    }

    /// After every rule ran on `o`: its malformed exceptions (P011) and those that
    /// excepted nothing (P012).
    fn finish_exceptions(&mut self, o: &Obj<'_>) {
        let Some(ex) = o.exceptions() else { return };
        let field = format!(
            "metadata.annotations[{:?}]",
            exceptions::EXCEPTION_ANNOTATION
        );
        let invalid = &rules::policy_exception_invalid::RULE.info;
        let unused = &rules::policy_exception_unused::RULE.info;
        for p in &ex.problems {
            self.report(invalid, o, field.clone(), p.clone());
        }
        for e in ex.unknown_containers(o) {
            let names: Vec<&str> = o.containers().iter().map(|c| c.name).collect();
            self.report(
                invalid,
                o,
                field.clone(),
                format!(
                    "exception {} names a container this object does not have (containers: {})",
                    exceptions::display(e),
                    names.join(", ")
                ),
            );
        }
        for e in ex.unused() {
            let Some(rule) = rules::by_code(&e.code) else {
                continue;
            };
            // A rule that is off in this environment cannot use its exception.
            if self.policy.severity(&rule.info) == Severity::Off
                || ex.unknown_containers(o).contains(&e)
            {
                continue;
            }
            self.report(
                unused,
                o,
                field.clone(),
                format!(
                    "exception {} ({:?}) excepts no finding: remove it before it hides a new one",
                    exceptions::display(e),
                    e.justification
                ),
            );
        }
    }

    /// A kind that has no schema here: counted, said once.
    pub fn skip(&mut self, o: &Obj<'_>) {
        *self
            .skipped
            .entry((o.res.api_version().to_string(), o.kind.to_string()))
            .or_default() += 1;
    }

    pub fn severity(&self, rule: &RuleInfo) -> Severity {
        self.policy.severity(rule)
    }

    fn merge(&mut self, other: Sink<'_>) {
        self.out.extend(other.out);
        self.excepted.extend(other.excepted);
        for (k, n) in other.skipped {
            *self.skipped.entry(k).or_default() += n;
        }
    }

    fn note(&mut self, n: &crate::resmap::Note) {
        let Some(rule) = rules::by_code(n.code) else {
            return;
        };
        let severity = self.policy.severity(&rule.info);
        if severity == Severity::Off {
            return;
        }
        self.out.push(Diagnostic {
            code: rule.info.code,
            rule: rule.info.name,
            severity,
            file: Some(n.file.clone()),
            line: n.line,
            resource: n.resource.clone(),
            field: String::new(),
            message: n.message.clone(),
            hint: rule.info.hint.to_string(),
            justification: None,
        });
    }
}

/// Validates a built resource map (its objects and the build's notes). Findings carry their
/// document's line; [`Report::locate`] refines them to the field's own line (done only for
/// the findings that are shown, since it re-reads their files).
pub fn validate(rm: &ResMap, opts: &Options) -> Report {
    validate_objects(rm.as_slice(), &rm.notes, opts)
}

/// Validates objects; `notes` are what the build noticed (empty files, unmatched patches).
pub fn validate_objects(
    objs: &[Resource],
    notes: &[crate::resmap::Note],
    opts: &Options,
) -> Report {
    let t0 = std::time::Instant::now();
    let cx = Ctx {
        objs,
        index: index::Index::new(objs),
        kube_version: opts.kube_version,
        crds: schema::crd::CrdTable::new(objs),
    };
    let t1 = std::time::Instant::now();
    let active: Vec<&Rule> = rules::ALL
        .iter()
        .copied()
        .filter(|r| r.check.is_some() && rules::wanted(r, &opts.policy))
        .collect();
    // Objects are independent given the index: they are checked in blocks of `BLOCK`, handed
    // out to the cores one block at a time. Output order groups objects by kind and kinds cost
    // very different amounts (a Deployment dozens of times a ConfigMap), so halves of the list
    // would leave one core idle while the other finishes. A build of fewer than
    // `par::MIN_ITEMS` blocks is checked on this thread (one object takes some 15 µs).
    const BLOCK: usize = 32;
    let run = |start: usize, part: &[Resource]| {
        let mut sink = Sink::new(&opts.policy);
        for (i, r) in part.iter().enumerate() {
            let o = Obj::new(r, start + i);
            for rule in &active {
                if let Some(check) = rule.check {
                    check(&cx, &o, &mut sink);
                }
            }
            sink.finish_exceptions(&o);
        }
        sink
    };
    let mut sink = Sink::new(&opts.policy);
    for n in notes {
        sink.note(n);
    }
    let blocks: Vec<(usize, &[Resource])> = objs
        .chunks(BLOCK)
        .enumerate()
        .map(|(k, part)| (k * BLOCK, part))
        .collect();
    for part in crate::par::map_all(&blocks, |&(start, part)| run(start, part)) {
        sink.merge(part);
    }
    let t2 = std::time::Instant::now();
    let mut report = Report {
        diagnostics: sink.out,
        excepted: sink.excepted,
        skipped: sink
            .skipped
            .into_iter()
            .map(|((api_version, kind), count)| SkippedKind {
                api_version,
                kind,
                count,
            })
            .collect(),
    };
    report.sort();
    if std::env::var_os("STACKGEN_TIMING").is_some() {
        eprintln!(
            "timing: index {:?}, rules {:?}, sort {:?}",
            t1 - t0,
            t2 - t1,
            t2.elapsed()
        );
    }
    report
}
