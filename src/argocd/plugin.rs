//! `stackgen argocd plugin`: the sidecar plugin's `plugin.yaml` and the `argocd-repo-server`
//! patch that installs it.
use crate::json;
use crate::value::Value;

/// Plugin name; with [`PLUGIN_VERSION`], Applications that name the plugin explicitly use
/// `stackgen-v1`.
pub const PLUGIN_NAME: &str = "stackgen";
/// The plugin interface version (not the binary's): it changes only when parameters or
/// behaviour change incompatibly, so upgrading stackgen does not rename the plugin.
pub const PLUGIN_VERSION: &str = "v1";
/// The file that marks a directory as a stackgen application (discovery).
pub const MARKER_FILE: &str = ".stackgen";

#[derive(Debug, Clone)]
pub struct PluginOptions {
    /// The stackgen executable in the sidecar image (a name on PATH or an absolute path).
    pub binary: String,
    /// Discovery file name (glob relative to the application directory).
    pub marker: String,
    /// Sidecar image (for the repo-server patch).
    pub image: String,
    /// Namespace of Argo CD.
    pub namespace: String,
}

impl Default for PluginOptions {
    fn default() -> Self {
        PluginOptions {
            binary: "stackgen".into(),
            marker: MARKER_FILE.into(),
            image: format!("stackgen:{}", env!("CARGO_PKG_VERSION")),
            namespace: "argocd".into(),
        }
    }
}

fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The `ConfigManagementPlugin` document.
pub fn plugin_value(o: &PluginOptions) -> Value {
    let bin = sh_quote(&o.binary);
    let param = |name: &str, title: &str, tooltip: &str, default: &str| {
        json!({
            "name": name,
            "title": title,
            "tooltip": tooltip,
            "string": default,
        })
    };
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ConfigManagementPlugin",
        "metadata": {"name": PLUGIN_NAME},
        "spec": {
            "version": PLUGIN_VERSION,
            // Argo CD runs command[0] with the rest of command and args appended, in the
            // application's directory. The shell only execs stackgen: every user-controlled
            // value (env, parameters) is read by stackgen itself, never expanded by sh.
            "init": {
                "command": ["sh", "-c"],
                "args": [format!("exec {bin} argocd init")],
            },
            "generate": {
                "command": ["sh", "-c"],
                "args": [format!("exec {bin} argocd generate")],
            },
            "discover": {"fileName": o.marker},
            "parameters": {
                "static": [
                    param("order", "Object order", "kustomize (kustomize's order) or dependency (namespaces, CRDs, RBAC, config, storage, data layer, then the rest)", "kustomize"),
                    param("sync-waves", "Write sync waves", "true: annotate every object with argocd.argoproj.io/sync-wave from the dependency order and turn stackgen.dev/hook into Argo CD hooks", "false"),
                    param("validate", "Validation", "error (fail the sync), warn (report only) or off", "error"),
                    param("allow-empty", "Allow an empty result", "true: an empty build is not an error (Argo CD would prune everything)", "false"),
                    {
                        "name": "vars",
                        "title": "Template variables",
                        "tooltip": "Values for {{ vars.NAME }} in Stack and kustomization files (names are upper-cased, as Argo CD passes them)",
                        "collectionType": "map",
                        "map": {},
                    },
                ],
            },
            "preserveFileMode": false,
        },
    })
}

/// `plugin.yaml`, with a comment saying how to install it.
pub fn plugin_yaml(o: &PluginOptions) -> String {
    let mut out = String::from(
        "# stackgen config management plugin (Argo CD sidecar). Put this file at\n\
         # /home/argocd/cmp-server/config/plugin.yaml in the sidecar: see `stackgen argocd plugin --sidecar-patch`.\n",
    );
    crate::yaml::emit_document(&plugin_value(o), &mut out);
    out
}

/// The ConfigMap holding `plugin.yaml` and the strategic merge patch of `argocd-repo-server`
/// that adds the cmp-server sidecar.
pub fn sidecar_patch(o: &PluginOptions) -> String {
    let mut plugin = String::new();
    crate::yaml::emit_document(&plugin_value(o), &mut plugin);
    let cm = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "stackgen-plugin", "namespace": o.namespace},
        "data": {"plugin.yaml": plugin},
    });
    let patch = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "argocd-repo-server", "namespace": o.namespace},
        "spec": {"template": {"spec": {
            "containers": [{
                "name": "stackgen",
                // The lightweight cmp-server that the repo-server copies into var-files.
                "command": ["/var/run/argocd/argocd-cmp-server"],
                "image": o.image,
                "securityContext": {
                    "runAsNonRoot": true,
                    "runAsUser": 999,
                    "allowPrivilegeEscalation": false,
                    "readOnlyRootFilesystem": true,
                    "capabilities": {"drop": ["ALL"]},
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"memory": "512Mi"},
                },
                "volumeMounts": [
                    {"name": "var-files", "mountPath": "/var/run/argocd"},
                    {"name": "plugins", "mountPath": "/home/argocd/cmp-server/plugins"},
                    {"name": "stackgen-plugin", "mountPath": "/home/argocd/cmp-server/config/plugin.yaml", "subPath": "plugin.yaml"},
                    // Its own /tmp, never the repo-server's (path traversal isolation).
                    {"name": "stackgen-tmp", "mountPath": "/tmp"},
                ],
            }],
            "volumes": [
                {"name": "stackgen-plugin", "configMap": {"name": "stackgen-plugin"}},
                {"name": "stackgen-tmp", "emptyDir": {}},
            ],
        }}},
    });
    let mut out = String::from(
        "# Install the stackgen plugin: add this ConfigMap and strategic merge patch to the kustomization\n\
         # that installs Argo CD (`resources:` for the ConfigMap, `patches:` for the Deployment), or\n\
         # `kubectl apply` the ConfigMap and `kubectl patch -n argocd deployment argocd-repo-server --patch-file`.\n\
         # The image must contain `stackgen` on PATH (and `sh`); `var-files` and `plugins` are volumes of the\n\
         # stock argocd-repo-server Deployment.\n",
    );
    out.push_str(&crate::yaml::emit_stream([&cm, &patch]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_has_the_argocd_shape() {
        let v = plugin_value(&PluginOptions::default());
        assert_eq!(v["kind"], "ConfigManagementPlugin");
        assert_eq!(v["spec"]["discover"]["fileName"], ".stackgen");
        assert_eq!(v["spec"]["generate"]["command"][0], "sh");
        assert_eq!(sh_quote("a b'c"), r"'a b'\''c'");
        let p = sidecar_patch(&PluginOptions::default());
        assert!(p.contains("runAsUser: 999"), "{p}");
        assert!(p.contains("subPath: plugin.yaml"), "{p}");
    }
}
