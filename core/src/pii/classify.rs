//! Data classification levels of entities.

use super::*;

/// Data classification levels, lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Classification {
    /// No personal data.
    Public,
    /// Low-risk identifiers (URLs, IP addresses, dates).
    Internal,
    /// Personal data (contact details, most national ids).
    Confidential,
    /// Financial, health, government ids and secrets.
    Restricted,
}

/// The default level of an entity.
pub fn default_level(entity: &str) -> Classification {
    match entity {
        "URL" | "DATE_TIME" | "IP_ADDRESS" | "MAC_ADDRESS" | "UUID" => Classification::Internal,
        "EMAIL_ADDRESS" | "PHONE_NUMBER" | "CRYPTO" => Classification::Confidential,
        e if is_secret(e) => Classification::Restricted,
        "CREDIT_CARD" | "IBAN_CODE" | "US_BANK_NUMBER" | "ABA_ROUTING_NUMBER" | "US_SSN"
        | "US_ITIN" | "US_PASSPORT" | "MEDICAL_LICENSE" | "UK_NHS" | "AU_MEDICARE" => {
            Classification::Restricted
        }
        // Postcodes and number plates point at a person only with more.
        "UK_POSTCODE"
        | "DE_PLZ"
        | "DE_KFZ"
        | "UK_VEHICLE_REGISTRATION"
        | "TR_LICENSE_PLATE"
        | "IN_VEHICLE_REGISTRATION"
        | "NG_VEHICLE_REGISTRATION"
        | "PH_MOBILE_NUMBER"
        | "TR_PHONE_NUMBER"
        | "DE_HANDELSREGISTER" => Classification::Confidential,
        e if recognizers::all().any(|b| b.entity == e) => Classification::Restricted,
        _ => Classification::Confidential,
    }
}

/// The highest level among `findings`, with `overrides` (entity → level)
/// taking precedence over [`default_level`]. No findings → public.
pub fn classify(
    findings: &[Finding],
    overrides: &BTreeMap<String, Classification>,
) -> Classification {
    findings
        .iter()
        .map(|f| {
            overrides
                .get(&f.entity)
                .copied()
                .unwrap_or_else(|| default_level(&f.entity))
        })
        .max()
        .unwrap_or(Classification::Public)
}
