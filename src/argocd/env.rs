//! Plugin mode: what stackgen reads from Argo CD's build environment, and nothing else.
//!
//! | variable | becomes |
//! | --- | --- |
//! | `ARGOCD_ENV_<NAME>` (plugin `env` of the Application) | `vars.<NAME>` |
//! | `PARAM_VARS_<KEY>` (map parameter `vars`) | `vars.<KEY>` |
//! | `PARAM_<NAME>` (any other string parameter) | `vars.<NAME>` |
//! | `PARAM_ORDER`, `PARAM_SYNC_WAVES`, `PARAM_VALIDATE`, `PARAM_ALLOW_EMPTY` | build options |
//! | `ARGOCD_APP_NAME`, `_NAMESPACE`, `_REVISION`, `_REVISION_SHORT`, `_SOURCE_PATH`, `_PROJECT_NAME` | `app.name`, `app.namespace`, `app.revision`, `app.revision_short`, `app.source_path`, `app.project` |
//! | `KUBE_VERSION` | the Kubernetes version validation targets |
//! | `KUBE_API_VERSIONS` | the destination's served `group/version[/Kind]` list: objects of other kinds fail the build |
//!
//! Later rows of `vars` win over earlier ones (parameters over plugin env), and both win over
//! `--var`/`--vars-file` given in `plugin.yaml`. Nothing else of the process environment is
//! read.
use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Error, Result};
use crate::resmap::ResMap;

/// Parameters that are build options rather than template variables.
pub const OPTION_PARAMS: &[&str] = &["ORDER", "SYNC_WAVES", "VALIDATE", "ALLOW_EMPTY"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginEnv {
    pub vars: BTreeMap<String, String>,
    pub app: BTreeMap<String, String>,
    /// `PARAM_ORDER` etc. (upper-case names without `PARAM_`).
    pub options: BTreeMap<String, String>,
    /// `KUBE_VERSION`, normalised to `MAJOR.MINOR.PATCH` without `v`.
    pub kube_version: Option<String>,
    /// `KUBE_API_VERSIONS`, when set and non-empty.
    pub api_versions: Option<ApiVersions>,
}

impl PluginEnv {
    /// Reads the process environment, looking only at the variables in the table above.
    pub fn from_process() -> Result<PluginEnv> {
        PluginEnv::from_vars(std::env::vars_os().filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            let keep = k.starts_with("ARGOCD_ENV_")
                || k.starts_with("PARAM_")
                || k.starts_with("ARGOCD_APP_")
                || k == "KUBE_VERSION"
                || k == "KUBE_API_VERSIONS";
            keep.then(|| Some((k, v.into_string().ok()?)))?
        }))
    }

    /// Builds the plugin environment from `NAME=VALUE` pairs (tests pass their own).
    pub fn from_vars(pairs: impl IntoIterator<Item = (String, String)>) -> Result<PluginEnv> {
        let mut env = PluginEnv::default();
        let mut from_env = BTreeMap::new();
        let mut from_params = BTreeMap::new();
        for (k, v) in pairs {
            if let Some(name) = k.strip_prefix("ARGOCD_ENV_") {
                if !name.is_empty() {
                    from_env.insert(name.to_string(), v);
                }
            } else if let Some(name) = k.strip_prefix("PARAM_") {
                if OPTION_PARAMS.contains(&name) {
                    env.options.insert(name.to_string(), v);
                } else if let Some(key) = name.strip_prefix("VARS_") {
                    if !key.is_empty() {
                        from_params.insert(key.to_string(), v);
                    }
                } else if !name.is_empty() {
                    from_params.insert(name.to_string(), v);
                }
            } else if let Some(name) = k.strip_prefix("ARGOCD_APP_") {
                let key = match name {
                    "NAME" => "name",
                    "NAMESPACE" => "namespace",
                    "REVISION" => "revision",
                    "REVISION_SHORT" => "revision_short",
                    "REVISION_SHORT_8" => "revision_short_8",
                    "SOURCE_PATH" => "source_path",
                    "SOURCE_REPO_URL" => "source_repo_url",
                    "SOURCE_TARGET_REVISION" => "source_target_revision",
                    "PROJECT_NAME" => "project",
                    _ => continue,
                };
                env.app.insert(key.to_string(), v);
            } else if k == "KUBE_VERSION" {
                if !v.trim().is_empty() {
                    env.kube_version = Some(parse_kube_version(&v)?);
                }
            } else if k == "KUBE_API_VERSIONS" && !v.trim().is_empty() {
                env.api_versions = Some(ApiVersions::parse(&v));
            }
        }
        env.vars.extend(from_env);
        env.vars.extend(from_params);
        env.vars
            .retain(|k, _| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        Ok(env)
    }

    /// A boolean build option (`true`/`false`, also `1`/`0`, `yes`/`no`).
    pub fn bool_option(&self, name: &str) -> Result<Option<bool>> {
        let Some(v) = self.options.get(name) else {
            return Ok(None);
        };
        match v.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "1" | "yes" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "off" => Ok(Some(false)),
            other => Err(Error::msg(format!(
                "parameter {} (PARAM_{name}) must be true or false, not {other:?}",
                name.to_ascii_lowercase().replace('_', "-")
            ))),
        }
    }

    pub fn str_option(&self, name: &str) -> Option<&str> {
        self.options
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// Accepts Argo CD's `KUBE_VERSION` (`1.33.0`, `v1.33.2+k3s1`, `1.33`).
pub fn parse_kube_version(v: &str) -> Result<String> {
    let t = v.trim().trim_start_matches('v');
    let core = t.split(['+', '-']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    let ok = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if !ok {
        return Err(Error::msg(format!(
            "KUBE_VERSION {v:?} is not a Kubernetes version like 1.33.0"
        )));
    }
    let patch = parts.get(2).copied().unwrap_or("0");
    Ok(format!("{}.{}.{patch}", parts[0], parts[1]))
}

/// The destination cluster's served API versions (`KUBE_API_VERSIONS`): `group/version` and
/// `group/version/Kind` entries, comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiVersions {
    group_versions: BTreeSet<String>,
    kinds: BTreeSet<String>,
}

impl ApiVersions {
    pub fn parse(s: &str) -> ApiVersions {
        let mut a = ApiVersions::default();
        for item in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            // `v1`, `apps/v1`, `v1/ConfigMap`, `apps/v1/Deployment`.
            let parts: Vec<&str> = item.split('/').collect();
            let last_is_kind = parts
                .last()
                .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_uppercase()));
            if last_is_kind && parts.len() >= 2 {
                a.kinds.insert(item.to_string());
                a.group_versions.insert(parts[..parts.len() - 1].join("/"));
            } else {
                a.group_versions.insert(item.to_string());
            }
        }
        a
    }

    /// Whether `apiVersion`/`kind` is served. When the list names kinds for a group/version,
    /// the kind must be among them; when it names only the group/version, any kind is.
    pub fn serves(&self, api_version: &str, kind: &str) -> bool {
        if self.kinds.contains(&format!("{api_version}/{kind}")) {
            return true;
        }
        let prefix = format!("{api_version}/");
        let gv_has_kinds = self.kinds.iter().any(|k| k.starts_with(&prefix));
        !gv_has_kinds && self.group_versions.contains(api_version)
    }

    /// Fails naming every object whose kind the cluster does not serve. Kinds defined by a
    /// CustomResourceDefinition in the same build are exempt (Argo CD creates the CRD first).
    pub fn check(&self, rm: &ResMap) -> Result<()> {
        let mut crd_kinds = BTreeSet::new();
        for r in rm {
            if r.kind() == "CustomResourceDefinition" {
                let spec = r.body.get("spec");
                let g = spec
                    .and_then(|s| s.get("group"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                let k = spec
                    .and_then(|s| s.get("names"))
                    .and_then(|n| n.get("kind"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                crd_kinds.insert((g.to_string(), k.to_string()));
            }
        }
        let mut bad = Vec::new();
        for r in rm {
            let g = r.gvk();
            if crd_kinds.contains(&(g.group.clone(), g.kind.clone())) {
                continue;
            }
            if !self.serves(r.api_version(), r.kind()) {
                bad.push(format!(
                    "{} ({}/{}) from {}",
                    r.id(),
                    r.api_version(),
                    r.kind(),
                    r.origin
                ));
            }
        }
        if bad.is_empty() {
            return Ok(());
        }
        Err(Error::msg(format!(
            "the destination cluster does not serve {} object(s): {}",
            bad.len(),
            bad.join("; ")
        ))
        .with_hint("KUBE_API_VERSIONS (from Argo CD) lists what the cluster serves: install the CRD/operator, or use an apiVersion the cluster supports"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> PluginEnv {
        PluginEnv::from_vars(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    #[test]
    fn reads_argocd_variables_only() {
        let e = env(&[
            ("ARGOCD_ENV_BRANCH", "feat"),
            ("PARAM_BRANCH", "param-wins"),
            ("PARAM_VARS_TIER", "gold"),
            ("PARAM_ORDER", "dependency"),
            ("ARGOCD_APP_NAME", "shop"),
            ("ARGOCD_APP_REVISION", "abc"),
            ("KUBE_VERSION", "v1.33.2+k3s1"),
            ("HOME", "/root"),
        ]);
        assert_eq!(e.vars.get("BRANCH").map(String::as_str), Some("param-wins"));
        assert_eq!(e.vars.get("TIER").map(String::as_str), Some("gold"));
        assert!(!e.vars.contains_key("ORDER"));
        assert!(!e.vars.contains_key("HOME"));
        assert_eq!(e.app.get("name").map(String::as_str), Some("shop"));
        assert_eq!(e.kube_version.as_deref(), Some("1.33.2"));
        assert_eq!(e.str_option("ORDER"), Some("dependency"));
    }

    #[test]
    fn api_versions() {
        let a = ApiVersions::parse("v1,v1/ConfigMap,apps/v1,apps/v1/Deployment,batch/v1");
        assert!(a.serves("v1", "ConfigMap"));
        assert!(!a.serves("v1", "Secret"));
        assert!(a.serves("apps/v1", "Deployment"));
        assert!(a.serves("batch/v1", "Job"));
        assert!(!a.serves("external-secrets.io/v1beta1", "ExternalSecret"));
        assert!(parse_kube_version("banana").is_err());
    }
}
