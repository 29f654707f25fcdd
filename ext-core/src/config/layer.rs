//! The file, environment and code layers of one section, as figment providers
//! that remember where each key came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use figment::value::{Dict, Map, Tag, Value};
use figment::{Metadata, Profile, Provider};
use serde::de::{self, Deserialize, Visitor};

use super::{ConfigError, Section};

/// Which layer a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    File,
    Environment,
    Code,
}

impl Origin {
    fn metadata_name(self) -> &'static str {
        match self {
            Origin::File => "TOML file",
            Origin::Environment => "environment",
            Origin::Code => "code",
        }
    }
}

/// One layer's values for one section.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
    origin: Origin,
    /// The file's name, for [`Origin::File`].
    file: String,
    /// The section, for the `[section]` in messages.
    section: String,
    /// For [`Origin::Environment`]: the variable that set each dotted key.
    vars: BTreeMap<String, String>,
    values: Dict,
}

impl Layer {
    pub(crate) fn file(path: &Path, section: &str, values: Dict) -> Self {
        Self {
            origin: Origin::File,
            file: path.display().to_string(),
            section: section.to_owned(),
            vars: BTreeMap::new(),
            values: values
                .into_iter()
                .map(|(key, value)| (key, untagged(value)))
                .collect(),
        }
    }

    /// The variables with the section's prefix, and its aliases below them.
    ///
    /// Plain values stay strings (the section is extracted leniently, so
    /// `"30"` reads as a number where a number is expected and `"0123"` stays
    /// a string where a string is); values that start with `[` or `{` are
    /// parsed as arrays and tables.
    pub(crate) fn environment(section: &Section, env: &[(String, String)]) -> Self {
        let mut layer = Self {
            origin: Origin::Environment,
            file: String::new(),
            section: section.name.clone(),
            vars: BTreeMap::new(),
            values: Dict::new(),
        };
        for (var, key) in &section.env_aliases {
            if let Some((_, raw)) = env.iter().find(|(name, _)| name == var) {
                layer.insert_var(var, key.split('.').map(str::to_owned).collect(), raw);
            }
        }
        for (var, raw) in env {
            let Some(rest) = var.strip_prefix(&section.env_prefix) else {
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            let path = rest.to_ascii_lowercase().split("__").map(str::to_owned).collect();
            layer.insert_var(var, path, raw);
        }
        layer
    }

    pub(crate) fn code(values: Dict) -> Self {
        Self {
            origin: Origin::Code,
            file: String::new(),
            section: String::new(),
            vars: BTreeMap::new(),
            values,
        }
    }

    fn insert_var(&mut self, var: &str, path: Vec<String>, raw: &str) {
        let trimmed = raw.trim_start();
        let value = if trimmed.starts_with('[') || trimmed.starts_with('{') {
            raw.parse::<Value>().unwrap_or_else(|never| match never {})
        } else {
            Value::from(raw.to_owned())
        };
        self.vars.insert(path.join("."), var.to_owned());
        insert_nested(&mut self.values, &path, value);
    }

    /// Moves each `(alias, key)`'s value to `key`, unless this layer sets
    /// `key` itself.
    pub(crate) fn rename(&mut self, aliases: &[(String, String)]) {
        for (alias, key) in aliases {
            let Some(value) = self.values.remove(alias) else {
                continue;
            };
            if self.values.contains_key(key) {
                continue;
            }
            self.values.insert(key.clone(), value);
            if let Some(var) = self.vars.remove(alias) {
                self.vars.insert(key.clone(), var);
            }
        }
    }

    pub(crate) fn origin(&self) -> Origin {
        self.origin
    }

    /// Says where `key` (a full key such as `cors.max_age`) came from.
    pub(crate) fn origin_of(&self, key: &str) -> String {
        let local = key.split_once('.').map_or(key, |(_, rest)| rest);
        match self.origin {
            Origin::File => format!("TOML file {}, [{}]", self.file, self.section),
            Origin::Environment => {
                let var = self
                    .vars
                    .iter()
                    .find(|(path, _)| local == path.as_str() || local.starts_with(&format!("{path}.")));
                match var {
                    Some((_, var)) => format!("environment variable {var}"),
                    None => "environment".to_owned(),
                }
            }
            Origin::Code => "set in code".to_owned(),
        }
    }

    /// Top-level keys of this layer that `T` has no field for.
    pub(crate) fn unknown_keys<T: for<'de> Deserialize<'de>>(&self) -> Vec<String> {
        let Some(known) = struct_fields::<T>() else {
            return Vec::new();
        };
        self.values
            .keys()
            .filter(|key| !known.contains(&key.as_str()))
            .cloned()
            .collect()
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.origin.metadata_name())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

/// The value with figment's provenance tags cleared, so that errors point at
/// this layer rather than at the provider the file was first parsed with.
fn untagged(value: Value) -> Value {
    let tag = Tag::Default;
    match value {
        Value::String(_, v) => Value::String(tag, v),
        Value::Char(_, v) => Value::Char(tag, v),
        Value::Bool(_, v) => Value::Bool(tag, v),
        Value::Num(_, v) => Value::Num(tag, v),
        Value::Empty(_, v) => Value::Empty(tag, v),
        Value::Dict(_, dict) => Value::Dict(tag, dict.into_iter().map(|(k, v)| (k, untagged(v))).collect()),
        Value::Array(_, items) => Value::Array(tag, items.into_iter().map(untagged).collect()),
    }
}

fn insert_nested(dict: &mut Dict, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            dict.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry(first.clone())
                .or_insert_with(|| Value::Dict(Tag::Default, Dict::new()));
            if !matches!(entry, Value::Dict(..)) {
                *entry = Value::Dict(Tag::Default, Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert_nested(inner, rest, value);
            }
        }
    }
}

/// Turns figment's extraction error into one that names the full key and the
/// layer its value came from.
pub(crate) fn invalid_value(section: &str, layers: &[Layer], error: figment::Error) -> ConfigError {
    let key = if error.path.is_empty() {
        section.to_owned()
    } else {
        format!("{section}.{}", error.path.join("."))
    };
    let layer_name = error.metadata.as_ref().map(|md| md.name.to_string());
    let origin = layers
        .iter()
        .rev()
        .find(|layer| Some(layer.origin.metadata_name()) == layer_name.as_deref())
        .map_or_else(|| "default".to_owned(), |layer| layer.origin_of(&key));
    ConfigError::InvalidValue {
        key,
        origin,
        message: error.kind.to_string(),
    }
}

/// The field of `T` whose name is closest to `unknown` (a typo of it),
/// if one is close enough to be what was meant.
pub(crate) fn closest_field<T: for<'de> Deserialize<'de>>(unknown: &str) -> Option<String> {
    let known = struct_fields::<T>()?;
    known
        .iter()
        .map(|field| (strsim::jaro_winkler(unknown, field), *field))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, field)| field.to_owned())
}

/// The field names of a struct, read by asking serde to deserialize it from a
/// deserializer that only records them. `None` for anything but a struct
/// (maps and flattened structs accept any key).
///
/// Written by hand because serde exposes no field list; `serde_ignored` would
/// give nested keys too, but it stops at the first type error, and
/// environment values are strings until lenient extraction converts them.
fn struct_fields<T: for<'de> Deserialize<'de>>() -> Option<&'static [&'static str]> {
    let mut fields = None;
    let _ = T::deserialize(FieldProbe { fields: &mut fields });
    fields
}

struct FieldProbe<'a> {
    fields: &'a mut Option<&'static [&'static str]>,
}

#[derive(Debug)]
struct ProbeDone;

impl fmt::Display for ProbeDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field probe")
    }
}

impl std::error::Error for ProbeDone {}

impl de::Error for ProbeDone {
    fn custom<M: fmt::Display>(_: M) -> Self {
        ProbeDone
    }
}

impl<'de> de::Deserializer<'de> for FieldProbe<'_> {
    type Error = ProbeDone;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeDone> {
        Err(ProbeDone)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ProbeDone> {
        *self.fields = Some(fields);
        Err(ProbeDone)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}
