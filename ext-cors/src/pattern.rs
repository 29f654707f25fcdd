//! Patterns for origins, header names and resource paths, classified and
//! matched as Flask-Cors does, or more strictly in the default mode.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::error::CorsConfigError;

/// The characters that make Flask-Cors read a string as a regular expression.
const REGEX_HINTS: &[char] = &['*', '\\', ']', '?', '$', '^', '[', '(', ')'];

/// The prefix that marks a regular expression to take as is.
pub(crate) const REGEX_PREFIX: &str = "regex:";

/// How one configured string is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PatternKind {
    /// `"*"`.
    Wildcard,
    /// Compared for equality.
    Literal(String),
    /// A string holding a regular expression (case-insensitive for origins
    /// and headers).
    Regex(String),
    /// `regex:<expr>`: taken as is, case-sensitive, like a compiled Python
    /// pattern.
    Compiled(String),
    /// Default mode, origins: `scheme://*.host` where `*` is one DNS label.
    Glob(String),
}

impl PatternKind {
    /// Classifies `text` as Flask-Cors does; `globs` enables the default
    /// mode's origin globs.
    pub(crate) fn classify(text: &str, globs: bool) -> Self {
        if let Some(expr) = text.strip_prefix(REGEX_PREFIX) {
            return PatternKind::Compiled(expr.to_owned());
        }
        if text == "*" {
            return PatternKind::Wildcard;
        }
        if globs && looks_like_glob(text) {
            return PatternKind::Glob(text.to_owned());
        }
        if text.contains(REGEX_HINTS) {
            PatternKind::Regex(text.to_owned())
        } else {
            PatternKind::Literal(text.to_owned())
        }
    }

    /// Whether Flask-Cors counts this as a regex (`probably_regex`), which
    /// decides `Vary` and resource order; the wildcard is the regex `.*`.
    pub(crate) fn is_regex(&self) -> bool {
        !matches!(self, PatternKind::Literal(_))
    }
}

/// `https://*.example.com` or `*.example.com:8443`: a `*` that stands for a
/// whole label, and no other regex character.
pub(crate) fn looks_like_glob(text: &str) -> bool {
    if text == "*" || !text.contains('*') {
        return false;
    }
    let others = text.chars().any(|c| c != '*' && REGEX_HINTS.contains(&c));
    let host = text.split_once("://").map_or(text, |(_, rest)| rest);
    !others && host.starts_with("*.") && host.matches('*').count() == 1
}

/// How regular expressions are anchored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// Python's `re.match`: at the start only (a prefix match).
    Start,
    /// The whole value.
    Whole,
}

/// The regular expression source for one pattern, or `None` for a literal.
fn regex_source(kind: &PatternKind, anchor: Anchor) -> Option<String> {
    let body = match kind {
        PatternKind::Literal(_) => return None,
        PatternKind::Wildcard => ".*".to_owned(),
        PatternKind::Regex(expr) | PatternKind::Compiled(expr) => expr.clone(),
        PatternKind::Glob(glob) => glob
            .split('*')
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"),
    };
    Some(match anchor {
        Anchor::Start => format!("^(?:{body})"),
        Anchor::Whole => format!("^(?:{body})$"),
    })
}

fn case_insensitive(kind: &PatternKind, fold_case: bool) -> bool {
    match kind {
        PatternKind::Compiled(_) => false,
        PatternKind::Glob(_) => true,
        _ => fold_case,
    }
}

/// A compiled list of patterns (origins or header names).
#[derive(Clone, Debug)]
pub(crate) struct PatternList {
    /// Literals as configured, for `always_send` and `Origin: null`.
    literals: Vec<String>,
    /// Literals lower-cased, when matching folds case.
    folded: Vec<String>,
    regexes: Vec<Regex>,
    fold_case: bool,
    wildcard: bool,
    any_regex: bool,
    count: usize,
}

impl PatternList {
    /// Compiles `values` read as `kinds` of `key`.
    pub(crate) fn compile(
        key: &str,
        values: &[&str],
        globs: bool,
        anchor: Anchor,
        fold_case: bool,
    ) -> Result<Self, CorsConfigError> {
        let mut list = PatternList {
            literals: Vec::new(),
            folded: Vec::new(),
            regexes: Vec::new(),
            fold_case,
            wildcard: false,
            any_regex: false,
            count: values.len(),
        };
        for value in values {
            let kind = PatternKind::classify(value, globs);
            list.any_regex |= kind.is_regex();
            match &kind {
                PatternKind::Literal(text) => {
                    list.folded.push(fold(text, fold_case));
                    list.literals.push(text.clone());
                }
                PatternKind::Wildcard => list.wildcard = true,
                _ => {}
            }
            if let Some(source) = regex_source(&kind, anchor) {
                let regex = RegexBuilder::new(&source)
                    .case_insensitive(case_insensitive(&kind, fold_case))
                    .build()
                    .map_err(|error| CorsConfigError::invalid_pattern(key, value, &error))?;
                list.regexes.push(regex);
            }
        }
        Ok(list)
    }

    /// Whether `value` matches any pattern.
    pub(crate) fn matches(&self, value: &str) -> bool {
        // `*` is `.*`: it matches anything (header values hold no newline).
        if self.wildcard {
            return true;
        }
        if !self.literals.is_empty() {
            let hit = if self.fold_case {
                self.folded.iter().any(|literal| eq_folded(literal, value))
            } else {
                self.literals.iter().any(|literal| literal == value)
            };
            if hit {
                return true;
            }
        }
        self.regexes.iter().any(|regex| regex.is_match(value))
    }

    /// Whether `value` is byte for byte a literal entry as matched (lower
    /// case when matching folds case): the common case of an allowed
    /// origin, decided without reading the value as text.
    pub(crate) fn has_exact(&self, value: &[u8]) -> bool {
        let list = if self.fold_case {
            &self.folded
        } else {
            &self.literals
        };
        list.iter().any(|literal| literal.as_bytes() == value)
    }

    /// Whether `value` equals a literal (not a pattern).
    pub(crate) fn has_literal(&self, value: &str) -> bool {
        self.folded.iter().any(|literal| eq_folded(literal, value))
    }

    /// `"*"` was configured.
    pub(crate) fn wildcard(&self) -> bool {
        self.wildcard
    }

    /// Any entry is a regex (the wildcard counts).
    pub(crate) fn any_regex(&self) -> bool {
        self.any_regex
    }

    /// How many entries were configured.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The literal entries, sorted (Python's `sorted`: by code point).
    pub(crate) fn sorted_literals(&self) -> Vec<&str> {
        let mut literals: Vec<&str> = self.literals.iter().map(String::as_str).collect();
        literals.sort_unstable();
        literals
    }
}

fn fold(text: &str, fold_case: bool) -> String {
    if fold_case {
        text.to_lowercase()
    } else {
        text.to_owned()
    }
}

/// `folded == value.to_lowercase()`, without allocating for ASCII values.
fn eq_folded(folded: &str, value: &str) -> bool {
    if value.is_ascii() {
        // `folded` is already lower case, so this is the same comparison.
        folded.eq_ignore_ascii_case(value)
    } else {
        folded == value.to_lowercase()
    }
}

/// Resource path patterns in match order, matched in one pass.
#[derive(Clone, Debug)]
pub(crate) struct PathTable {
    /// The first pattern, when it matches every path: no matching at all.
    match_all: Option<usize>,
    /// (literal path, index into the policies).
    literals: Vec<(String, usize)>,
    /// The regexes, in match order, and the policy index of each: tried one
    /// by one when there are few (no allocation, stops at the first match),
    /// as one set when there are many (one pass whatever their number).
    regexes: Vec<Regex>,
    set: RegexSet,
    set_targets: Vec<usize>,
}

/// Up to this many path regexes are tried one by one.
const SEQUENTIAL_LIMIT: usize = 4;

impl PathTable {
    /// `patterns` must already be in match order; each maps to the policy at
    /// the same index.
    pub(crate) fn compile(patterns: &[(String, PatternKind)]) -> Result<Self, CorsConfigError> {
        let mut literals = Vec::new();
        let mut match_all = None;
        let mut regexes = Vec::new();
        let mut sources = Vec::new();
        let mut set_targets = Vec::new();
        for (index, (text, kind)) in patterns.iter().enumerate() {
            match regex_source(kind, Anchor::Start) {
                None => literals.push((text.clone(), index)),
                Some(source) => {
                    // Compiled one by one too, so an error names the pattern.
                    let regex = Regex::new(&source)
                        .map_err(|error| CorsConfigError::invalid_pattern("cors.resources", text, &error))?;
                    // Matched from the start, a pattern that matches the empty
                    // string (`/*`, the default) matches every path.
                    if regex.is_match("") && regexes.is_empty() && literals.is_empty() {
                        match_all = Some(index);
                    }
                    regexes.push(regex);
                    sources.push(source);
                    set_targets.push(index);
                }
            }
        }
        let set = RegexSetBuilder::new(&sources)
            .build()
            .map_err(|error| CorsConfigError::invalid_pattern("cors.resources", "(all)", &error))?;
        Ok(Self {
            match_all,
            literals,
            regexes,
            set,
            set_targets,
        })
    }

    /// The first pattern's index when it matches every path.
    pub(crate) fn match_all(&self) -> Option<usize> {
        self.match_all
    }

    /// The index of the first pattern (in match order) that matches `path`.
    pub(crate) fn find(&self, path: &str) -> Option<usize> {
        if self.match_all.is_some() {
            return self.match_all;
        }
        let literal = self
            .literals
            .iter()
            .find(|(literal, _)| literal == path)
            .map(|(_, index)| *index);
        let regex = if self.regexes.len() <= SEQUENTIAL_LIMIT {
            self.regexes
                .iter()
                .position(|regex| regex.is_match(path))
                .map(|i| self.set_targets[i])
        } else {
            self.set.matches(path).iter().next().map(|i| self.set_targets[i])
        };
        match (literal, regex) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
