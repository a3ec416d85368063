//! The price catalog: model → prices per million tokens in integer
//! micro-dollars, context window and provider.
//!
//! Bundled: `core/data/llm-prices.json` (current public list prices, facts
//! from LiteLLM's price map). Loadable: LiteLLM's full
//! `model_prices_and_context_window.json`. Overridable from configuration.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const BUNDLED: &str = include_str!("../../data/llm-prices.json");

/// Prices of one model, in micro-dollars per million tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelPrice {
    /// Uncached input.
    pub input: i64,
    /// Output.
    pub output: i64,
    /// Cached (cache-read) input; defaults to `input`.
    pub cached_input: i64,
    /// Reasoning output tokens; defaults to `output`.
    pub reasoning: i64,
    /// Cache writes (Anthropic cache creation); defaults to `input`.
    pub cache_write: i64,
    /// Input price when the prompt exceeds 200k tokens, if tiered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_above_200k: Option<i64>,
    /// Output price when the prompt exceeds 200k tokens, if tiered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_above_200k: Option<i64>,
    /// Provider, e.g. `openai`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Context window (max input tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_input_tokens: Option<u64>,
    /// Announced deprecation date (YYYY-MM-DD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deprecation_date: Option<String>,
}

/// A price given in dollars per million tokens (configuration and the
/// bundled file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSpec {
    /// $ per million uncached input tokens.
    pub input_per_mtok: f64,
    /// $ per million output tokens.
    pub output_per_mtok: f64,
    /// $ per million cached input tokens.
    #[serde(default)]
    pub cached_input_per_mtok: Option<f64>,
    /// $ per million reasoning tokens.
    #[serde(default)]
    pub reasoning_per_mtok: Option<f64>,
    /// $ per million cache-write tokens.
    #[serde(default)]
    pub cache_write_per_mtok: Option<f64>,
    /// $ per million input tokens above 200k.
    #[serde(default)]
    pub input_per_mtok_above_200k: Option<f64>,
    /// $ per million output tokens when the prompt is above 200k.
    #[serde(default)]
    pub output_per_mtok_above_200k: Option<f64>,
    /// Provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// Context window.
    #[serde(default)]
    pub max_input_tokens: Option<u64>,
    /// Deprecation date.
    #[serde(default)]
    pub deprecation_date: Option<String>,
}

/// Converts dollars to integer micro-dollars, refusing what cannot be money.
fn micros(dollars: f64, path: &str) -> Result<i64> {
    if !dollars.is_finite() || !(0.0..=1e9).contains(&dollars) {
        return Err(Error::config(
            path,
            format!("{dollars} is not a price in dollars"),
        ));
    }
    Ok((dollars * 1e6).round() as i64)
}

impl PriceSpec {
    /// Converts to integer prices; `path` names the entry in errors.
    pub fn to_price(&self, path: &str) -> Result<ModelPrice> {
        let input = micros(self.input_per_mtok, &format!("{path}.input_per_mtok"))?;
        let output = micros(self.output_per_mtok, &format!("{path}.output_per_mtok"))?;
        let opt =
            |v: Option<f64>, f: &str| v.map(|d| micros(d, &format!("{path}.{f}"))).transpose();
        Ok(ModelPrice {
            input,
            output,
            cached_input: opt(self.cached_input_per_mtok, "cached_input_per_mtok")?
                .unwrap_or(input),
            reasoning: opt(self.reasoning_per_mtok, "reasoning_per_mtok")?.unwrap_or(output),
            cache_write: opt(self.cache_write_per_mtok, "cache_write_per_mtok")?.unwrap_or(input),
            input_above_200k: opt(self.input_per_mtok_above_200k, "input_per_mtok_above_200k")?,
            output_above_200k: opt(
                self.output_per_mtok_above_200k,
                "output_per_mtok_above_200k",
            )?,
            provider: self.provider.clone(),
            max_input_tokens: self.max_input_tokens,
            deprecation_date: self.deprecation_date.clone(),
        })
    }
}

/// Model → price.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceCatalog {
    models: BTreeMap<String, ModelPrice>,
    default: Option<ModelPrice>,
}

/// LiteLLM's per-token fields (dollars per token). Unknown fields are
/// ignored: the file has many that are not about text tokens.
#[derive(Debug, Deserialize)]
struct LiteLlmEntry {
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
    cache_read_input_token_cost: Option<f64>,
    cache_creation_input_token_cost: Option<f64>,
    output_cost_per_reasoning_token: Option<f64>,
    input_cost_per_token_above_200k_tokens: Option<f64>,
    output_cost_per_token_above_200k_tokens: Option<f64>,
    litellm_provider: Option<String>,
    max_input_tokens: Option<serde_json::Value>,
    deprecation_date: Option<String>,
}

/// What [`PriceCatalog::load_litellm`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// Models added or replaced.
    pub loaded: usize,
    /// Entries without per-token text prices (images, audio, the sample spec).
    pub skipped: usize,
}

impl PriceCatalog {
    /// The bundled catalog (23 current models).
    pub fn bundled() -> Result<Self> {
        let mut c = Self::default();
        c.load_vallum_json(BUNDLED, "bundled llm-prices.json")?;
        Ok(c)
    }

    /// Adds or replaces models from Vallum's own format:
    /// `{model: {input_per_mtok, output_per_mtok, …}}` in dollars per million tokens.
    pub fn load_vallum_json(&mut self, json: &str, source: &str) -> Result<usize> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Error::config("$", format!("{source}: not valid JSON: {e}")))?;
        let specs: BTreeMap<String, PriceSpec> =
            serde_path_to_error::deserialize(value).map_err(|e| {
                Error::config(
                    format!("$.{}", e.path()),
                    format!("{source}: {}", e.inner()),
                )
            })?;
        let n = specs.len();
        for (model, spec) in specs {
            let price = spec.to_price(&format!("$.{model}"))?;
            self.models.insert(model, price);
        }
        Ok(n)
    }

    /// Adds or replaces models from LiteLLM's `model_prices_and_context_window.json`.
    /// Entries without both input and output per-token prices are skipped
    /// and counted; malformed entries are an `invalid_config` error naming the model.
    pub fn load_litellm(&mut self, json: &str) -> Result<LoadReport> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            Error::config("$", format!("LiteLLM price file is not valid JSON: {e}"))
        })?;
        let obj = value.as_object().ok_or_else(|| {
            Error::config("$", "LiteLLM price file must be a JSON object of models")
        })?;
        let mut report = LoadReport::default();
        let mut staged = Vec::new();
        for (model, entry) in obj {
            if model == "sample_spec" {
                report.skipped += 1;
                continue;
            }
            let path = format!("$[{model:?}]");
            let e: LiteLlmEntry = serde_json::from_value(entry.clone())
                .map_err(|err| Error::config(&path, format!("malformed price entry: {err}")))?;
            let (Some(inp), Some(out)) = (e.input_cost_per_token, e.output_cost_per_token) else {
                report.skipped += 1;
                continue;
            };
            // $ per token × 1e12 = µ$ per million tokens.
            let per = |v: f64, f: &str| -> Result<i64> {
                if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                    return Err(Error::config(
                        format!("{path}.{f}"),
                        format!("{v} is not a price per token"),
                    ));
                }
                Ok((v * 1e12).round() as i64)
            };
            let input = per(inp, "input_cost_per_token")?;
            let output = per(out, "output_cost_per_token")?;
            let opt = |v: Option<f64>, f: &str| v.map(|x| per(x, f)).transpose();
            let max_input_tokens = match &e.max_input_tokens {
                Some(serde_json::Value::Number(n)) => n.as_u64(),
                // Some entries write it as a string; others leave it out.
                Some(serde_json::Value::String(s)) => s.parse().ok(),
                _ => None,
            };
            staged.push((
                model.clone(),
                ModelPrice {
                    input,
                    output,
                    cached_input: opt(
                        e.cache_read_input_token_cost,
                        "cache_read_input_token_cost",
                    )?
                    .unwrap_or(input),
                    reasoning: opt(
                        e.output_cost_per_reasoning_token,
                        "output_cost_per_reasoning_token",
                    )?
                    .unwrap_or(output),
                    cache_write: opt(
                        e.cache_creation_input_token_cost,
                        "cache_creation_input_token_cost",
                    )?
                    .unwrap_or(input),
                    input_above_200k: opt(
                        e.input_cost_per_token_above_200k_tokens,
                        "input_cost_per_token_above_200k_tokens",
                    )?,
                    output_above_200k: opt(
                        e.output_cost_per_token_above_200k_tokens,
                        "output_cost_per_token_above_200k_tokens",
                    )?,
                    provider: e.litellm_provider,
                    max_input_tokens,
                    deprecation_date: e.deprecation_date,
                },
            ));
        }
        // All or nothing: a malformed entry above left the catalog untouched.
        report.loaded = staged.len();
        self.models.extend(staged);
        Ok(report)
    }

    /// Sets the price of one model.
    pub fn set(&mut self, model: impl Into<String>, price: ModelPrice) {
        self.models.insert(model.into(), price);
    }

    /// The price used for models not in the catalog (none by default: unknown models are an error).
    pub fn set_default(&mut self, price: Option<ModelPrice>) {
        self.default = price;
    }

    /// The price of `model`: exact name first, then without a provider
    /// prefix (`openai/gpt-4o` → `gpt-4o`), then the default price.
    pub fn price(&self, model: &str) -> Result<&ModelPrice> {
        if let Some(p) = self.models.get(model) {
            return Ok(p);
        }
        if let Some((_, bare)) = model.split_once('/') {
            if let Some(p) = self.models.get(bare) {
                return Ok(p);
            }
        }
        self.default.as_ref().ok_or_else(|| Error::UnknownModel {
            model: model.to_string(),
        })
    }

    /// Every model and its price.
    pub fn models(&self) -> impl Iterator<Item = (&str, &ModelPrice)> {
        self.models.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of models.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// Whether the catalog is empty.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_has_every_model_in_micros() {
        let c = PriceCatalog::bundled().unwrap();
        assert_eq!(c.len(), 23);
        let p = c.price("gpt-4o").unwrap();
        assert_eq!(
            (p.input, p.output, p.cached_input),
            (2_500_000, 10_000_000, 1_250_000)
        );
        assert_eq!(c.price("openai/gpt-4o").unwrap().input, 2_500_000);
        let s = c.price("claude-sonnet-4-5").unwrap();
        assert_eq!(s.cache_write, 3_750_000);
        assert!(matches!(c.price("gpt-9"), Err(Error::UnknownModel { .. })));
    }

    #[test]
    fn litellm_format_loads_and_skips_non_text_entries() {
        let mut c = PriceCatalog::default();
        let r = c
            .load_litellm(r#"{
                "sample_spec": {"max_tokens": "set to max_output_tokens if provider specifies it"},
                "gpt-x": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
                          "cache_read_input_token_cost": 1.25e-06, "output_cost_per_reasoning_token": 1.2e-05,
                          "max_input_tokens": 128000, "litellm_provider": "openai", "mode": "chat",
                          "supports_vision": true},
                "dall-e-3": {"output_cost_per_image": 0.04, "litellm_provider": "openai", "mode": "image_generation"},
                "tiered": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
                           "input_cost_per_token_above_200k_tokens": 2.5e-06, "max_input_tokens": "1048576"}
            }"#)
            .unwrap();
        assert_eq!(
            r,
            LoadReport {
                loaded: 2,
                skipped: 2
            }
        );
        let p = c.price("gpt-x").unwrap();
        assert_eq!(
            (p.input, p.output, p.cached_input, p.reasoning),
            (2_500_000, 10_000_000, 1_250_000, 12_000_000)
        );
        assert_eq!(p.max_input_tokens, Some(128_000));
        assert_eq!(c.price("tiered").unwrap().input_above_200k, Some(2_500_000));
        assert_eq!(c.price("tiered").unwrap().max_input_tokens, Some(1_048_576));
    }

    #[test]
    fn malformed_price_files_are_typed_errors_and_change_nothing() {
        let mut c = PriceCatalog::default();
        for bad in [
            "[]",
            "{",
            r#"{"m": {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-6}}"#,
            r#"{"m": {"input_cost_per_token": -1e-6, "output_cost_per_token": 1e-6}}"#,
        ] {
            let e = c.load_litellm(bad).unwrap_err();
            assert_eq!(e.code(), crate::error::ErrorCode::InvalidConfig, "{bad}");
        }
        assert!(c.is_empty());
        let e = c
            .load_vallum_json(r#"{"m": {"input_per_mtok": 1.0}}"#, "cfg")
            .unwrap_err();
        assert!(e.to_string().contains("output_per_mtok"), "{e}");
    }
}
