//! Per-repository validation settings (`stackgen.yaml`) and per-environment severities.
//!
//! ```yaml
//! # stackgen.yaml, beside the kustomization or at the repository root
//! validation:
//!   environment: staging        # used when neither --env nor STACKGEN_ENV says
//!   kubeVersion: "1.33"         # --kube-version and KUBE_VERSION win over this
//!   rules:                      # severities for every environment: error|warning|info|off
//!     R004: off
//!   environments:
//!     production:               # a built-in profile refined by the repository
//!       rules: {P006: error}
//!     qa:                       # a new environment starts from the default profile...
//!       base: production        # ...or from the profile named here
//!       rules: {P003: warning}
//! ```
//!
//! Built-in profiles: `default` (no environment chosen, and `staging`): API rejections are
//! errors, references and policy are warnings; `production` (`prod`): references and
//! policy become errors, so a production overlay cannot ship without limits, probes or
//! pinned images; `dev` (`development`, `kind`, `local`): policy findings are notes (info) or
//! off, references stay warnings, API rejections stay errors.
//!
//! Lookup: the first `stackgen.yaml` (or `.yml`) found in the built directory or one of its
//! parents up to the repository root (the directory holding `.git`); without a `.git`
//! above, only the built directory itself is looked at.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::diag::Severity;
use super::rules::RuleInfo;
use crate::error::{Error, Result};

/// The built-in profiles, in the order of `RuleInfo::severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    #[default]
    Default,
    Production,
    Dev,
}

impl Profile {
    pub fn builtin(name: &str) -> Option<Profile> {
        Some(match name.to_ascii_lowercase().as_str() {
            "" | "default" | "staging" | "stage" => Profile::Default,
            "production" | "prod" => Profile::Production,
            "dev" | "development" | "kind" | "local" => Profile::Dev,
            _ => return None,
        })
    }

    fn index(self) -> usize {
        match self {
            Profile::Default => 0,
            Profile::Production => 1,
            Profile::Dev => 2,
        }
    }
}

/// The file's shape.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub validation: Config,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub kube_version: Option<String>,
    #[serde(default)]
    pub rules: HashMap<String, String>,
    #[serde(default)]
    pub environments: HashMap<String, EnvConfig>,
    /// Where it was read from (for messages).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvConfig {
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub rules: HashMap<String, String>,
}

pub const CONFIG_FILE_NAMES: &[&str] = &["stackgen.yaml", "stackgen.yml"];

impl Config {
    /// Finds and reads the config that applies to `dir` (see the module docs), if any.
    pub fn discover(dir: &Path) -> Result<Config> {
        let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let start = if start.is_file() {
            start.parent().map(Path::to_path_buf).unwrap_or(start)
        } else {
            start
        };
        let mut dirs = Vec::new();
        let mut found_git = false;
        for d in start.ancestors() {
            dirs.push(d.to_path_buf());
            if d.join(".git").exists() {
                found_git = true;
                break;
            }
        }
        if !found_git {
            dirs.truncate(1);
        }
        for d in dirs {
            for n in CONFIG_FILE_NAMES {
                let p = d.join(n);
                if p.is_file() {
                    return Config::read(&p);
                }
            }
        }
        Ok(Config::default())
    }

    pub fn read(path: &Path) -> Result<Config> {
        let shown = crate::build::files::display_path(path);
        let bytes = std::fs::read(path)
            .map_err(|e| Error::msg(format!("cannot read: {e}")).in_file(&shown))?;
        Config::parse(&bytes, &shown)
    }

    pub fn parse(bytes: &[u8], shown: &Path) -> Result<Config> {
        let text = crate::yaml::decode_utf8(bytes).map_err(|e| Error::from(e).in_file(shown))?;
        let v = crate::yaml::parse_one(text).map_err(|e| Error::from(e).in_file(shown))?;
        let v = if v.is_null() {
            crate::value::Value::Object(Default::default())
        } else {
            v
        };
        let f: ConfigFile =
            serde_path_to_error::deserialize(serde_json::Value::from(v)).map_err(|e| {
                let path = e.path().to_string();
                Error::msg(e.into_inner().to_string())
                    .in_file(shown)
                    .at_field(path)
            })?;
        let mut c = f.validation;
        c.file = Some(shown.to_path_buf());
        let all_rules = c
            .rules
            .iter()
            .chain(c.environments.values().flat_map(|e| e.rules.iter()));
        for (code, sev) in all_rules {
            if super::rules::by_code(code).is_none() {
                return Err(Error::msg(format!("unknown rule code {code:?}"))
                    .in_file(shown)
                    .with_hint("`stackgen rules` lists every code"));
            }
            if Severity::parse(sev).is_none() {
                return Err(Error::msg(format!(
                    "unknown severity {sev:?} for {code}: use error, warning, info or off"
                ))
                .in_file(shown));
            }
        }
        Ok(c)
    }

    /// The policy for `env` (a flag or variable), else the config's default environment.
    pub fn policy(&self, env: Option<&str>) -> Result<Policy> {
        let name = env
            .map(str::to_string)
            .or_else(|| self.environment.clone())
            .unwrap_or_default();
        let env_cfg = self.environments.get(&name);
        let profile = match Profile::builtin(&name) {
            Some(p) => p,
            None => {
                let Some(ec) = env_cfg else {
                    let mut known: Vec<String> = vec![
                        "default".into(),
                        "production".into(),
                        "staging".into(),
                        "dev".into(),
                    ];
                    known.extend(self.environments.keys().cloned());
                    return Err(Error::msg(format!(
                        "unknown environment {name:?}; known: {}",
                        known.join(", ")
                    ))
                    .with_hint("define it under validation.environments in stackgen.yaml"));
                };
                match &ec.base {
                    Some(b) => Profile::builtin(b).ok_or_else(|| {
                        Error::msg(format!(
                            "environment {name:?}: base {b:?} is not a built-in profile (default, production, dev)"
                        ))
                    })?,
                    None => Profile::Default,
                }
            }
        };
        let mut overrides = HashMap::new();
        for (code, sev) in self
            .rules
            .iter()
            .chain(env_cfg.into_iter().flat_map(|e| e.rules.iter()))
        {
            if let Some(s) = Severity::parse(sev) {
                overrides.insert(code.clone(), s);
            }
        }
        Ok(Policy {
            environment: name,
            profile,
            overrides,
        })
    }
}

/// Effective severities for one run.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub environment: String,
    pub profile: Profile,
    overrides: HashMap<String, Severity>,
}

impl Policy {
    pub fn severity(&self, rule: &RuleInfo) -> Severity {
        if let Some(s) = self.overrides.get(rule.code) {
            return *s;
        }
        rule.severity[self.profile.index()]
    }

    /// A policy for a built-in profile, without overrides.
    pub fn builtin(profile: Profile) -> Policy {
        Policy {
            environment: String::new(),
            profile,
            overrides: HashMap::new(),
        }
    }
}
