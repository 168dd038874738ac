//! The variables an instruction's values expand with, and what is certain about them.

use std::collections::BTreeMap;

use rpds::RedBlackTreeMap;

use crate::rule::LintOptions;
use crate::rules::support::{earlier_stage, expand_base};
use crate::shell::{Env, ExpandError, Lexer};
use crate::syntax::{Dockerfile, Instruction, Keyword, Stage};

/// A variable's value, or the fact that it has one we cannot know (an ARG without a default
/// that the build args may set, a value from the base image's ENV).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Known(String),
    Unknown,
}

/// The result of expanding a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expanded {
    Value(String),
    /// It uses a variable whose value cannot be known here.
    Unknown,
    Error(ExpandError),
}

/// Variables in scope at one instruction.
#[derive(Debug, Clone)]
pub(crate) struct Scope<'a> {
    lexer: Lexer,
    /// A persistent map: a stage built on an earlier one starts from a copy of that stage's
    /// scope, and copying it costs O(1), so a chain of stages is linear, not quadratic.
    vars: RedBlackTreeMap<String, Value>,
    /// The global scope's values of the ARGs before the first FROM and the platform ARGs,
    /// under `vars` (borrowed: every file has a dozen, which a copy would allocate again).
    known: Option<&'a BTreeMap<String, String>>,
    /// Names not set in the Dockerfile may come from the base image's ENV.
    unset_is_unknown: bool,
    /// The working directory; `None` when the base image's is not known.
    pub working_dir: Option<String>,
    options: &'a LintOptions,
    /// The global ARGs, for a stage's `ARG NAME` redeclaring one.
    globals: Option<&'a Scope<'a>>,
}

impl Env for Scope<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        match self.vars.get(name) {
            Some(Value::Known(value)) => Some(value),
            Some(Value::Unknown) => Some(""),
            None => self.known?.get(name).map(String::as_str),
        }
    }
}

impl<'a> Scope<'a> {
    /// The scope of FROM lines: the ARGs before the first FROM and the platform ARGs, whose
    /// values (`known`) are [`crate::rule::Check::global_arg_values`].
    pub fn global(
        dockerfile: &Dockerfile,
        options: &'a LintOptions,
        known: &'a BTreeMap<String, String>,
    ) -> Scope<'a> {
        let mut vars = RedBlackTreeMap::new();
        for arg in &dockerfile.global_args {
            let supplied = options.build_args.contains_key(&arg.name);
            if arg.default.is_none() && !supplied && !options.build_args_complete {
                vars.insert_mut(arg.name.clone(), Value::Unknown);
            }
        }
        Scope {
            lexer: Lexer::new(dockerfile.escape),
            vars,
            known: Some(known),
            unset_is_unknown: false,
            working_dir: Some("/".to_string()),
            options,
            globals: None,
        }
    }

    /// The scope at the start of `stage`: what its base gives (an earlier stage's ENV and
    /// WORKDIR, nothing for `scratch`, the image's configuration when the build knows it).
    /// `finished` holds the scope at the end of each earlier stage, so that a chain of stages
    /// is walked once.
    pub fn stage(
        dockerfile: &Dockerfile,
        options: &'a LintOptions,
        globals: &'a Scope<'a>,
        stage: &Stage,
        finished: &[Scope<'a>],
    ) -> Scope<'a> {
        let mut scope = Scope {
            lexer: globals.lexer,
            vars: RedBlackTreeMap::new(),
            known: None,
            unset_is_unknown: false,
            working_dir: Some("/".to_string()),
            options,
            globals: Some(globals),
        };
        // The global scope's values as FROM sees them (one it cannot know is empty).
        let base = match expand_base(dockerfile, globals, stage) {
            Ok(expansion) if !expansion.referenced.iter().any(|n| globals.is_unknown(n)) => {
                expansion.value
            }
            _ => {
                scope.base_unknown();
                return scope;
            }
        };
        if base == "scratch" {
            return scope;
        }
        if let Some(parent) = earlier_stage(dockerfile, &base, stage.index) {
            // ARGs end with their stage; ENV and WORKDIR carry over.
            let mut parent_scope = finished[parent.index].clone();
            parent_scope.drop_args(dockerfile, parent);
            return parent_scope;
        }
        match options.image_configs.get(&base) {
            Some(config) => {
                for (name, value) in &config.env {
                    scope
                        .vars
                        .insert_mut(name.clone(), Value::Known(value.clone()));
                }
                scope.working_dir = Some(config.working_dir.clone().unwrap_or_else(|| "/".into()));
            }
            None => scope.base_unknown(),
        }
        scope
    }

    fn base_unknown(&mut self) {
        self.unset_is_unknown = true;
        self.working_dir = None;
    }

    fn drop_args(&mut self, dockerfile: &Dockerfile, stage: &Stage) {
        let env_names: Vec<&str> = stage
            .instructions
            .clone()
            .map(|i| &dockerfile.instructions[i])
            .filter(|i| i.kind == Keyword::Env)
            .flat_map(|i| i.key_values().iter().map(|kv| kv.key.value.as_str()))
            .collect();
        for arg in &stage.args {
            if !env_names.contains(&arg.name.as_str()) {
                self.vars.remove_mut(&arg.name);
            }
        }
    }

    fn is_unknown(&self, name: &str) -> bool {
        match self.vars.get(name) {
            Some(value) => *value == Value::Unknown,
            None => {
                !self.known.is_some_and(|known| known.contains_key(name)) && self.unset_is_unknown
            }
        }
    }

    /// The value of `name` in this scope, if it has one.
    fn value(&self, name: &str) -> Option<Value> {
        match self.vars.get(name) {
            Some(value) => Some(value.clone()),
            None => Some(Value::Known(self.known?.get(name)?.clone())),
        }
    }

    /// Expands `word` as the builder would.
    pub fn expand(&self, word: &str) -> Expanded {
        match self.lexer.expand_word(word, self) {
            Err(error) => Expanded::Error(error),
            Ok(expansion) if expansion.referenced.iter().any(|n| self.is_unknown(n)) => {
                Expanded::Unknown
            }
            Ok(expansion) => Expanded::Value(expansion.value),
        }
    }

    /// Expands and splits `words` (EXPOSE); `None` when a value cannot be known.
    pub fn expand_words(&self, words: &str) -> Result<Option<Vec<String>>, ExpandError> {
        if let Expanded::Unknown = self.expand(words) {
            return Ok(None);
        }
        self.lexer.expand_words(words, self).map(Some)
    }

    /// Takes in what `instruction` sets: ARGs, ENV, WORKDIR.
    pub fn step(&mut self, instruction: &Instruction) {
        match instruction.kind {
            Keyword::Arg => {
                for decl in instruction.arg_decls(0) {
                    let value = self.arg_value(&decl.name, decl.default.as_deref());
                    self.vars.insert_mut(decl.name, value);
                }
            }
            Keyword::Env => {
                for pair in instruction.key_values() {
                    let value = match self.expand(&pair.value.value) {
                        Expanded::Value(value) => Value::Known(value),
                        _ => Value::Unknown,
                    };
                    self.vars.insert_mut(pair.key.value.clone(), value);
                }
            }
            Keyword::Workdir => {
                let Some(word) = instruction_text(instruction) else {
                    return;
                };
                self.working_dir = match (self.expand(word), &self.working_dir) {
                    (Expanded::Value(path), _) if path.starts_with('/') => Some(path),
                    (Expanded::Value(path), Some(dir)) => {
                        Some(format!("{}/{path}", dir.trim_end_matches('/')))
                    }
                    _ => None,
                };
            }
            _ => {}
        }
    }

    fn arg_value(&self, name: &str, default: Option<&str>) -> Value {
        if let Some(given) = self.options.build_args.get(name) {
            return Value::Known(given.clone());
        }
        if let Some(default) = default {
            return match self.expand(default) {
                Expanded::Value(value) => Value::Known(value),
                _ => Value::Unknown,
            };
        }
        // `ARG NAME` in a stage takes the global ARG's value, if there is one.
        if let Some(global) = self.globals.and_then(|g| g.value(name)) {
            return global;
        }
        if self.options.build_args_complete {
            Value::Known(String::new())
        } else {
            Value::Unknown
        }
    }
}

fn instruction_text(instruction: &Instruction) -> Option<&str> {
    match &instruction.args {
        crate::syntax::Arguments::Text(word) => Some(&word.value),
        _ => None,
    }
}
