//! Argo CD integration: the config management plugin (sidecar `plugin.yaml` and the
//! `argocd-repo-server` patch), plugin mode (Argo CD's build environment), and `Application`
//! / `ApplicationSet` generation for app-of-apps repositories.
//!
//! Behaviour follows Argo CD's config management plugin v2: the cmp-server runs `init` then
//! `generate` in the application's source directory (`command[0]` with `command[1..]` and
//! `args` appended, the sidecar's environment plus the build environment), reads manifests
//! from stdout only, and fails the sync on a non-zero exit. Users' plugin `env` entries arrive
//! prefixed `ARGOCD_ENV_`, parameters as `PARAM_<NAME>` (upper-cased, other characters `_`;
//! map entries `PARAM_<NAME>_<KEY>`, array items `PARAM_<NAME>_<i>`).
pub mod apps;
pub mod env;
pub mod plugin;

pub use env::PluginEnv;
