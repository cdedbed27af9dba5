//! `stackgen argocd apps`: one Argo CD `Application` per overlay (or one `ApplicationSet`
//! with a git directory generator) for an app-of-apps repository. Each application uses the
//! stackgen plugin by name (`stackgen-v1`); Argo CD still requires the plugin's discovery
//! to match, so every overlay needs the marker file (`.stackgen`), which is checked here.
use std::path::{Path, PathBuf};

use crate::json;
use crate::value::Value;

use super::plugin::{MARKER_FILE, PLUGIN_NAME, PLUGIN_VERSION};
use crate::build::KUSTOMIZATION_FILE_NAMES;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct AppsOptions {
    /// Directory holding one overlay per subdirectory, relative to the repository root.
    pub overlays: PathBuf,
    pub repo_url: String,
    pub revision: String,
    pub project: String,
    /// Namespace the Application objects live in.
    pub argocd_namespace: String,
    pub dest_server: String,
    pub name_prefix: String,
    /// Plugin env entries (`NAME=VALUE`, seen as `vars.NAME`).
    pub env: Vec<(String, String)>,
    pub auto_sync: bool,
    pub application_set: bool,
}

/// One overlay: its directory name and the namespace its kustomization sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    pub name: String,
    pub path: String,
    pub namespace: Option<String>,
    pub has_marker: bool,
}

/// Subdirectories of `dir` that hold a kustomization, sorted by name.
pub fn find_overlays(dir: &Path) -> Result<Vec<Overlay>> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Error::msg(format!("cannot list overlays: {e}")).in_file(dir))?;
    let mut out = Vec::new();
    for e in rd.filter_map(|e| e.ok()) {
        let p = e.path();
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Some(kfile) = KUSTOMIZATION_FILE_NAMES
            .iter()
            .map(|n| p.join(n))
            .find(|f| f.is_file())
        else {
            continue;
        };
        let name = e.file_name().to_string_lossy().into_owned();
        let namespace = std::fs::read(&kfile)
            .ok()
            .and_then(|b| {
                let t = crate::yaml::decode_utf8(&b).ok()?;
                crate::yaml::parse_one(t).ok()
            })
            .and_then(|v| v.get("namespace")?.as_str().map(str::to_string))
            .filter(|ns| !crate::template::is_template(ns));
        out.push(Overlay {
            path: slash_path(&dir.join(&name)),
            has_marker: p.join(MARKER_FILE).is_file(),
            name,
            namespace,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    if out.is_empty() {
        return Err(
            Error::msg("no overlays found: no subdirectory holds a kustomization").in_file(dir),
        );
    }
    Ok(out)
}

fn slash_path(p: &Path) -> String {
    let s = crate::loader::normalize(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() { ".".into() } else { s }
}

fn plugin_section(o: &AppsOptions) -> Value {
    let mut plugin = json!({"name": format!("{PLUGIN_NAME}-{PLUGIN_VERSION}")});
    if !o.env.is_empty() {
        plugin["env"] = Value::Array(
            o.env
                .iter()
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect(),
        );
    }
    plugin
}

fn sync_policy(o: &AppsOptions) -> Option<Value> {
    o.auto_sync
        .then(|| json!({"automated": {"prune": true, "selfHeal": true}}))
}

/// The Applications (or the ApplicationSet), and warnings for stderr.
pub fn generate(o: &AppsOptions) -> Result<(Vec<Value>, Vec<String>)> {
    if o.overlays.is_absolute() {
        return Err(Error::msg(
            "give the overlays directory relative to the repository root: it becomes the Applications' source path",
        )
        .in_file(&o.overlays));
    }
    let overlays = find_overlays(&o.overlays)?;
    let mut warnings = Vec::new();
    for ov in &overlays {
        if !ov.has_marker {
            warnings.push(format!(
                "warning: {}/{MARKER_FILE} is missing: Argo CD's plugin discovery will not match this overlay (create the empty file)",
                ov.path
            ));
        }
    }
    if o.application_set {
        let mut template = json!({
            "metadata": {
                "name": format!("{}{{{{path.basename}}}}", o.name_prefix),
                "finalizers": ["resources-finalizer.argocd.argoproj.io"],
            },
            "spec": {
                "project": o.project,
                "source": {
                    "repoURL": o.repo_url,
                    "targetRevision": o.revision,
                    "path": "{{path}}",
                    "plugin": plugin_section(o),
                },
                "destination": {"server": o.dest_server},
            },
        });
        if let Some(sp) = sync_policy(o) {
            template["spec"]["syncPolicy"] = sp;
        }
        let set = json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": format!("{}overlays", o.name_prefix), "namespace": o.argocd_namespace},
            "spec": {
                "generators": [{"git": {
                    "repoURL": o.repo_url,
                    "revision": o.revision,
                    "directories": [{"path": format!("{}/*", slash_path(&o.overlays))}],
                }}],
                "template": template,
            },
        });
        return Ok((vec![set], warnings));
    }
    let apps = overlays
        .iter()
        .map(|ov| {
            let mut dest = json!({"server": o.dest_server});
            if let Some(ns) = &ov.namespace {
                dest["namespace"] = Value::String(ns.clone());
            }
            let mut app = json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {
                    "name": format!("{}{}", o.name_prefix, ov.name),
                    "namespace": o.argocd_namespace,
                    "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                },
                "spec": {
                    "project": o.project,
                    "source": {
                        "repoURL": o.repo_url,
                        "targetRevision": o.revision,
                        "path": ov.path,
                        "plugin": plugin_section(o),
                    },
                    "destination": dest,
                },
            });
            if let Some(sp) = sync_policy(o) {
                app["spec"]["syncPolicy"] = sp;
            }
            app
        })
        .collect();
    Ok((apps, warnings))
}
