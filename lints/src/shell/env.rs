//! Where expansion looks variables up.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

/// A set of variables that `$NAME` and `${NAME...}` are expanded from.
///
/// A variable that is set to the empty string (`Some("")`) differs from one that is not set
/// (`None`): `${NAME-word}` and `${NAME?msg}` tell them apart.
pub trait Env {
    /// The value of `name`, or `None` when it is not set.
    fn get(&self, name: &str) -> Option<&str>;
}

impl<K, V, S> Env for HashMap<K, V, S>
where
    K: Borrow<str> + Hash + Eq,
    V: AsRef<str>,
    S: BuildHasher,
{
    fn get(&self, name: &str) -> Option<&str> {
        HashMap::get(self, name).map(AsRef::as_ref)
    }
}

impl<K: Borrow<str> + Ord, V: AsRef<str>> Env for BTreeMap<K, V> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(AsRef::as_ref)
    }
}

/// `(name, value)` pairs; when a name repeats, the last pair wins (as a later `ENV` or `ARG`
/// overrides an earlier one).
impl<K: AsRef<str>, V: AsRef<str>> Env for [(K, V)] {
    fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(key, _)| key.as_ref() == name)
            .map(|(_, value)| value.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Env for Vec<(K, V)> {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(self.as_slice(), name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Env for [(K, V); N] {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(self.as_slice(), name)
    }
}

/// Variables whose names are compared without regard to case, as the reference builder does
/// for Windows images (where `$path` and `$PATH` are the same variable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseInsensitiveEnv {
    by_upper_name: HashMap<String, String>,
}

impl CaseInsensitiveEnv {
    /// Collects `(name, value)` pairs; a later pair overrides an earlier one with the same name
    /// in any case.
    pub fn new<I, K, V>(vars: I) -> CaseInsensitiveEnv
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let by_upper_name = vars
            .into_iter()
            .map(|(name, value)| (upper_case(name.as_ref()), value.into()))
            .collect();
        CaseInsensitiveEnv { by_upper_name }
    }
}

impl Env for CaseInsensitiveEnv {
    fn get(&self, name: &str) -> Option<&str> {
        self.by_upper_name
            .get(&upper_case(name))
            .map(String::as_str)
    }
}

/// Upper-cases character by character; a character whose upper case is several characters
/// (`ß`) stays as it is, since the reference maps names one character at a time.
fn upper_case(name: &str) -> String {
    name.chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(single), None) => single,
                _ => c,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_let_the_last_value_win_and_keep_empty_apart_from_unset() {
        let env = [("A", "1"), ("B", ""), ("A", "2")];
        assert_eq!(env.get("A"), Some("2"));
        assert_eq!(env.get("B"), Some(""));
        assert_eq!(env.get("C"), None);
    }

    #[test]
    fn maps_of_owned_or_borrowed_strings_are_environments() {
        let owned: HashMap<String, String> = [("A".to_owned(), "1".to_owned())].into();
        let borrowed: BTreeMap<&str, &str> = [("A", "1")].into();
        assert_eq!(Env::get(&owned, "A"), Some("1"));
        assert_eq!(Env::get(&borrowed, "A"), Some("1"));
        assert_eq!(Env::get(&borrowed, "B"), None);
    }

    #[test]
    fn case_insensitive_env_ignores_the_case_of_names() {
        let env = CaseInsensitiveEnv::new([("Path", "C:\\bin"), ("straße", "x")]);
        assert_eq!(env.get("PATH"), Some("C:\\bin"));
        assert_eq!(env.get("path"), Some("C:\\bin"));
        assert_eq!(env.get("STRAßE"), Some("x"));
        assert_eq!(env.get("other"), None);
    }
}
