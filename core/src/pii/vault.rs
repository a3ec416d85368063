//! Reversible placeholders: `<EMAIL_ADDRESS_1>` ↔ the address it replaced.
//!
//! A vault lives for a conversation. [`crate::Vallum::pii`] keeps it in the
//! session's memory scope, encrypted like every other value, so a model's
//! answer can be restored for the user and nothing readable is stored.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Placeholders and the values they stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vault {
    /// `ENTITY` → values in numbering order (`<ENTITY_1>` is index 0).
    entries: BTreeMap<String, Vec<String>>,
}

/// What a model may turn a placeholder into: brackets dropped or changed,
/// spaces added, case changed (`email_address_1`, `< EMAIL_ADDRESS_1 >`,
/// `[Email_Address_1]`).
#[expect(clippy::expect_used, reason = "a constant pattern, covered by tests")]
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:[<\[{]\s*)?\b([a-z][a-z0-9]*(?:_[a-z0-9]+)*?)_([0-9]{1,6})\b(?:\s*[>\]}])?")
        .expect("placeholder pattern compiles")
});

impl Vault {
    /// An empty vault.
    pub fn new() -> Self {
        Vault::default()
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }

    /// Whether the vault holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The placeholder for `value`: the same value always gets the same
    /// number.
    pub(crate) fn placeholder(&mut self, entity: &str, value: &str) -> String {
        let key = entity.to_ascii_uppercase();
        let list = self.entries.entry(key).or_default();
        let n = match list.iter().position(|v| v == value) {
            Some(i) => i + 1,
            None => {
                list.push(value.to_owned());
                list.len()
            }
        };
        format!("<{entity}_{n}>")
    }

    /// Whether the vault holds `value` under any entity (it came from the
    /// user). Invisible characters are ignored, as when the value was stored.
    pub fn holds(&self, value: &str) -> bool {
        let visible: String = value.chars().filter(|c| !super::is_invisible(*c)).collect();
        self.entries.values().any(|l| l.contains(&visible))
    }

    /// The value behind `<ENTITY_n>`, if held.
    pub fn lookup(&self, entity: &str, n: usize) -> Option<&str> {
        let list = self.entries.get(&entity.to_ascii_uppercase())?;
        list.get(n.checked_sub(1)?).map(String::as_str)
    }

    /// Restores every placeholder this vault knows in `text`; unknown ones
    /// stay as they are.
    pub fn unmask(&self, text: &str) -> String {
        self.unmask_counted(text).0
    }

    /// [`Vault::unmask`], also returning how many placeholders were restored.
    pub fn unmask_counted(&self, text: &str) -> (String, usize) {
        if self.entries.is_empty() {
            return (text.to_owned(), 0);
        }
        let mut restored = 0;
        let out = PLACEHOLDER
            .replace_all(text, |c: &regex::Captures<'_>| {
                let whole = c.get(0).map_or("", |m| m.as_str());
                let entity = c.get(1).map_or("", |m| m.as_str());
                let n = c
                    .get(2)
                    .and_then(|m| m.as_str().parse::<usize>().ok())
                    .unwrap_or(0);
                match self.lookup(entity, n) {
                    Some(v) => {
                        restored += 1;
                        v.to_owned()
                    }
                    None => whole.to_owned(),
                }
            })
            .into_owned();
        (out, restored)
    }

    /// Merges another vault's entries (values it does not hold are appended).
    pub fn merge(&mut self, other: &Vault) {
        for (entity, values) in &other.entries {
            let list = self.entries.entry(entity.clone()).or_default();
            for v in values {
                if !list.contains(v) {
                    list.push(v.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmask_tolerates_reformatting() {
        let mut v = Vault::new();
        assert_eq!(
            v.placeholder("EMAIL_ADDRESS", "a@b.com"),
            "<EMAIL_ADDRESS_1>"
        );
        assert_eq!(
            v.placeholder("EMAIL_ADDRESS", "c@d.com"),
            "<EMAIL_ADDRESS_2>"
        );
        assert_eq!(
            v.placeholder("EMAIL_ADDRESS", "a@b.com"),
            "<EMAIL_ADDRESS_1>"
        );
        for t in [
            "<EMAIL_ADDRESS_1>",
            "email_address_1",
            "< Email_Address_1 >",
            "[EMAIL_ADDRESS_1]",
        ] {
            assert_eq!(
                v.unmask(&format!("write to {t}.")),
                "write to a@b.com.",
                "{t}"
            );
        }
        assert_eq!(
            v.unmask("<EMAIL_ADDRESS_9> and <PHONE_NUMBER_1>"),
            "<EMAIL_ADDRESS_9> and <PHONE_NUMBER_1>"
        );
    }
}
