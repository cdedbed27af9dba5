//! `images` (kustomize's ImageTagTransformer and its `image` name matching).
use serde::Deserialize;
use serde_json::Value;

use super::fieldspec::{self, CreateKind};
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::types::{FieldSpec, Image};

/// `kind: ImageTagTransformer` config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageTagTransformer {
    #[serde(default)]
    pub image_tag: Image,
    #[serde(default, deserialize_with = "super::de_vec")]
    pub field_specs: Vec<FieldSpec>,
}

impl ImageTagTransformer {
    pub fn apply(&self, rm: &mut ResMap) -> Result<()> {
        let m = Matcher::new(&self.image_tag.name);
        // kustomize first rewrites every `containers`/`initContainers` list anywhere in the
        // object, then again at the field specs.
        for r in rm.iter_mut() {
            if r.kind() == "CustomResourceDefinition" {
                continue;
            }
            let shown = r.id();
            legacy_walk(&mut r.body, &m, &self.image_tag).map_err(|e| e.for_resource(&shown))?;
        }
        for r in rm.iter_mut() {
            if r.kind() == "CustomResourceDefinition" {
                continue;
            }
            let gvk = r.gvk();
            let shown = r.id();
            fieldspec::apply_all(
                &mut r.body,
                &gvk,
                &self.field_specs,
                CreateKind::None,
                &mut |v| update(v, &m, &self.image_tag),
            )
            .map_err(|e| e.for_resource(&shown))?;
        }
        Ok(())
    }
}

/// kustomize matches `name` as a regular expression anchored at the start, followed by an
/// optional tag and an optional sha256 digest.
pub struct Matcher(Option<regex::Regex>);

impl Matcher {
    pub fn new(name: &str) -> Matcher {
        let re = format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$");
        Matcher(regex::Regex::new(&re).ok())
    }

    pub fn is_match(&self, image: &str) -> bool {
        self.0.as_ref().is_some_and(|r| r.is_match(image))
    }
}

/// Splits an image reference into name, tag and digest (kustomize's `image.Split`): a
/// `:` before the first `/` is a registry port, not a tag.
pub fn split(image: &str) -> (&str, &str, &str) {
    let slash = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (at, colon) {
        (None, None) => (image, "", ""),
        (Some(a), c) if c.is_none() || c.is_some_and(|c| a < c) => {
            let a = a + slash;
            (&image[..a], "", &image[a + 1..])
        }
        (Some(a), Some(c)) => {
            let (a, c) = (a + slash, c + slash);
            (
                &image[..c],
                image.get(c + 1..a).unwrap_or(""),
                &image[a + 1..],
            )
        }
        (None, Some(c)) => {
            let c = c + slash;
            (&image[..c], &image[c + 1..], "")
        }
        // Unreachable given the arms above; kept total.
        (Some(_), None) => (image, "", ""),
    }
}

fn update(v: &mut Value, m: &Matcher, it: &Image) -> Result<()> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => return Ok(()),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => {
            return Err(Error::msg(format!(
                "an image must be a string, found {}",
                crate::types::type_name(other)
            )));
        }
    };
    if !m.is_match(&text) {
        return Ok(());
    }
    let (name, tag, digest) = split(&text);
    let mut name = name.to_string();
    let mut tag = tag.to_string();
    let mut digest = digest.to_string();
    if !it.new_name.is_empty() {
        name = it.new_name.clone();
    }
    if !it.new_tag.is_empty() && !it.digest.is_empty() {
        tag = it.new_tag.clone();
        digest = it.digest.clone();
    } else if !it.new_tag.is_empty() {
        tag = it.new_tag.clone();
        digest.clear();
    } else if !it.digest.is_empty() {
        tag.clear();
        digest = it.digest.clone();
    } else if !it.tag_suffix.is_empty() {
        tag.push_str(&it.tag_suffix);
        digest.clear();
    }
    if !tag.is_empty() {
        name.push(':');
        name.push_str(&tag);
    }
    if !digest.is_empty() {
        name.push('@');
        name.push_str(&digest);
    }
    *v = Value::String(name);
    Ok(())
}

/// Every `containers` / `initContainers` list anywhere in the object (children first).
fn legacy_walk(v: &mut Value, m: &Matcher, it: &Image) -> Result<()> {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                legacy_walk(child, m, it)?;
                if (k == "containers" || k == "initContainers")
                    && let Value::Array(items) = child
                {
                    for c in items {
                        if let Some(img) = c.get_mut("image") {
                            update(img, m, it)?;
                        }
                    }
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for c in items {
                legacy_walk(c, m, it)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_kustomize() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), ("nginx", "1.2", ""));
        assert_eq!(split("reg:5000/nginx"), ("reg:5000/nginx", "", ""));
        assert_eq!(split("reg:5000/nginx:1.2"), ("reg:5000/nginx", "1.2", ""));
        assert_eq!(split("nginx@sha256:abc"), ("nginx", "", "sha256:abc"));
        assert_eq!(split("nginx:1@sha256:abc"), ("nginx", "1", "sha256:abc"));
    }

    #[test]
    fn matches_names() {
        let m = Matcher::new("nginx");
        assert!(m.is_match("nginx"));
        assert!(m.is_match("nginx:1.2"));
        assert!(m.is_match("nginx@sha256:abc"));
        assert!(!m.is_match("nginx2"));
        assert!(!m.is_match("my/nginx"));
    }
}
