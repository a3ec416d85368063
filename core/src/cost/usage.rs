//! What a call used and what it costs: usage, attribution, and the exact
//! integer arithmetic of a charge.

use super::ModelPrice;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Who a call is attributed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Attribution {
    /// The organization (tenant). Budgets keep a separate line per
    /// organization, so user `bob` of `acme` and user `bob` of `beta`
    /// never share one; the guard sets it from the request.
    pub organization: Option<String>,
    /// User id (within the organization).
    pub user: Option<String>,
    /// Team.
    pub team: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Cost center.
    pub cost_center: Option<String>,
    /// Project.
    pub project: Option<String>,
}

/// One LLM call's token usage (the argument of `record_usage`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    /// Model name as in the catalog.
    pub model: String,
    /// Prompt tokens, cached ones included.
    pub input_tokens: i64,
    /// Completion tokens, reasoning ones included.
    pub output_tokens: i64,
    /// Prompt tokens served from the provider's cache.
    #[serde(default)]
    pub cached_input_tokens: i64,
    /// Completion tokens spent on reasoning.
    #[serde(default)]
    pub reasoning_tokens: i64,
    /// Prompt tokens written to the provider's cache.
    #[serde(default)]
    pub cache_write_tokens: i64,
    /// Attribution.
    #[serde(default)]
    pub attribution: Attribution,
}

impl Usage {
    /// Usage of `model` with input and output tokens.
    pub fn new(model: impl Into<String>, input_tokens: i64, output_tokens: i64) -> Self {
        Self {
            model: model.into(),
            input_tokens,
            output_tokens,
            ..Self::default()
        }
    }

    /// Sets the attribution.
    pub fn by(mut self, attribution: Attribution) -> Self {
        self.attribution = attribution;
        self
    }

    fn validate(&self) -> Result<()> {
        let fields = [
            ("input_tokens", self.input_tokens),
            ("output_tokens", self.output_tokens),
            ("cached_input_tokens", self.cached_input_tokens),
            ("reasoning_tokens", self.reasoning_tokens),
            ("cache_write_tokens", self.cache_write_tokens),
        ];
        for (name, v) in fields {
            if v < 0 {
                return Err(Error::invalid_arg(
                    "usage",
                    format!("{name} is {v}; token counts cannot be negative"),
                ));
            }
            if v > 1_000_000_000_000 {
                return Err(Error::invalid_arg(
                    "usage",
                    format!("{name} is {v}; that is not a token count"),
                ));
            }
        }
        if self.cached_input_tokens > self.input_tokens {
            return Err(Error::invalid_arg(
                "usage",
                "cached_input_tokens cannot exceed input_tokens (they are part of the prompt)",
            ));
        }
        if self.reasoning_tokens > self.output_tokens {
            return Err(Error::invalid_arg(
                "usage",
                "reasoning_tokens cannot exceed output_tokens (they are part of the completion)",
            ));
        }
        if self.model.is_empty() {
            return Err(Error::invalid_arg("usage", "model must not be empty"));
        }
        Ok(())
    }
}

/// The charge of one call, in integer micro-dollars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    /// Model.
    pub model: String,
    /// Total, rounded half up once from the exact sum of the parts.
    pub cost_micros: i64,
    /// Exact total in pico-dollars (µ$ / 10⁶).
    pub cost_picos: i128,
    /// Uncached input part (µ$, rounded).
    pub input_micros: i64,
    /// Cached input part.
    pub cached_input_micros: i64,
    /// Non-reasoning output part.
    pub output_micros: i64,
    /// Reasoning part.
    pub reasoning_micros: i64,
    /// Cache-write part.
    pub cache_write_micros: i64,
}

fn round_micros(picos: i128) -> i64 {
    i64::try_from((picos + 500_000) / 1_000_000).unwrap_or(i64::MAX)
}

/// Prices `usage` under `price` (exact integer arithmetic).
pub fn compute_charge(usage: &Usage, price: &ModelPrice) -> Result<Charge> {
    usage.validate()?;
    let tiered = usage.input_tokens > 200_000;
    let input_price = if tiered {
        price.input_above_200k.unwrap_or(price.input)
    } else {
        price.input
    };
    let output_price = if tiered {
        price.output_above_200k.unwrap_or(price.output)
    } else {
        price.output
    };
    let parts = [
        (usage.input_tokens - usage.cached_input_tokens) as i128 * input_price as i128,
        usage.cached_input_tokens as i128 * price.cached_input as i128,
        (usage.output_tokens - usage.reasoning_tokens) as i128 * output_price as i128,
        usage.reasoning_tokens as i128 * price.reasoning as i128,
        usage.cache_write_tokens as i128 * price.cache_write as i128,
    ];
    let total: i128 = parts.iter().sum();
    Ok(Charge {
        model: usage.model.clone(),
        cost_micros: round_micros(total),
        cost_picos: total,
        input_micros: round_micros(parts[0]),
        cached_input_micros: round_micros(parts[1]),
        output_micros: round_micros(parts[2]),
        reasoning_micros: round_micros(parts[3]),
        cache_write_micros: round_micros(parts[4]),
    })
}
