//! `resources`: per-path policies, ordered and matched as Flask-Cors 6.0.5
//! does.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use crate::error::CorsConfigError;
use crate::options::{CorsOptions, Resources};
use crate::pattern::{PathTable, PatternKind};
use crate::policy::{Mode, Policy};

/// Every resource's policy, and the table that finds one for a path.
#[derive(Clone, Debug)]
pub(crate) struct ResourcePolicies {
    pub(crate) mode: Mode,
    table: PathTable,
    /// In match order; `table` indexes into it.
    policies: Vec<Policy>,
    /// The patterns, in match order, for messages and tests.
    patterns: Vec<String>,
}

impl ResourcePolicies {
    /// Resolves the app-wide `options` and each resource's own options.
    pub(crate) fn compile(options: &CorsOptions) -> Result<Self, CorsConfigError> {
        let mode = Mode::from_options(options);
        let base = CorsOptions {
            resources: None,
            ..options.clone()
        };
        let default_resources = Resources::One("/*".to_owned());
        let resources = options.resources.as_ref().unwrap_or(&default_resources);
        let mut entries: Vec<(String, PatternKind, CorsOptions)> = match resources {
            Resources::One(pattern) => vec![(
                pattern.clone(),
                PatternKind::classify(pattern, false),
                base.clone(),
            )],
            Resources::Many(patterns) => patterns
                .iter()
                .map(|pattern| {
                    (
                        pattern.clone(),
                        PatternKind::classify(pattern, false),
                        base.clone(),
                    )
                })
                .collect(),
            Resources::Map(map) => {
                let mut entries = Vec::with_capacity(map.len());
                for (pattern, own) in map {
                    let key = format!("cors.resources.{pattern:?}");
                    if own.resources.is_some() || own.flask_compatible.is_some() {
                        return Err(CorsConfigError::invalid(
                            key,
                            "`resources` and `flask_compatible` can only be set at the top level of [cors]",
                        ));
                    }
                    entries.push((
                        pattern.clone(),
                        PatternKind::classify(pattern, false),
                        own.over(&base),
                    ));
                }
                // Flask-Cors 6.0.1+: literals first, then compiled patterns,
                // then string regexes; within each, more `/` first, then
                // longer first; ties keep their order (a stable sort).
                entries.sort_by_key(|(pattern, kind, _)| {
                    let group = match kind {
                        PatternKind::Literal(_) => (0, 0),
                        PatternKind::Compiled(_) => (1, 0),
                        _ => (1, 1),
                    };
                    let text = pattern
                        .strip_prefix(crate::pattern::REGEX_PREFIX)
                        .unwrap_or(pattern);
                    (
                        group,
                        std::cmp::Reverse(text.matches('/').count()),
                        std::cmp::Reverse(text.len()),
                    )
                });
                entries
            }
        };
        let mut policies = Vec::with_capacity(entries.len());
        let mut patterns = Vec::with_capacity(entries.len());
        let mut kinds = Vec::with_capacity(entries.len());
        for (pattern, kind, options) in entries.drain(..) {
            let key = match resources {
                Resources::Map(_) => format!("cors.resources.{pattern:?}"),
                _ => "cors".to_owned(),
            };
            policies.push(Policy::compile(&options, mode, &key)?);
            kinds.push((pattern.clone(), kind));
            patterns.push(pattern);
        }
        Ok(Self {
            mode,
            table: PathTable::compile(&kinds)?,
            policies,
            patterns,
        })
    }

    /// The policy for a request path (as sent, percent-encoded).
    ///
    /// The default mode decodes the path once. Flask-Cors decodes it twice
    /// (Werkzeug, then `unquote`), so `/api%2541` is `/apiA` there.
    pub(crate) fn find(&self, raw_path: &str) -> Option<&Policy> {
        // The default `/*` (and any pattern that matches every path, tried
        // first) needs no decoding at all.
        if let Some(index) = self.table.match_all() {
            return self.policies.get(index);
        }
        let once = decode(raw_path);
        let path = match self.mode {
            Mode::Default => once,
            Mode::FlaskCompatible => match once {
                Cow::Borrowed(path) => Cow::Borrowed(path),
                Cow::Owned(path) => Cow::Owned(decode(&path).into_owned()),
            },
        };
        self.table.find(&path).and_then(|index| self.policies.get(index))
    }

    /// Whether any resource has something to do in the before-hook (refuse
    /// bad preflights with a status, or answer preflights before routing),
    /// so the hook can skip the path look-up when none does.
    pub(crate) fn any_preflight_work(&self) -> bool {
        self.policies
            .iter()
            .any(|policy| policy.rejection_status.is_some() || policy.preflight_before_routing)
    }

    /// Whether any resource answers preflights before routing.
    pub(crate) fn any_preflight_before_routing(&self) -> bool {
        self.policies.iter().any(|policy| policy.preflight_before_routing)
    }

    /// The patterns in the order they are tried.
    pub(crate) fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

fn decode(path: &str) -> Cow<'_, str> {
    if path.contains('%') {
        percent_decode_str(path).decode_utf8_lossy()
    } else {
        Cow::Borrowed(path)
    }
}
