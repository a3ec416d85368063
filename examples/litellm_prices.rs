//! Loads a LiteLLM `model_prices_and_context_window.json` into Vallum's price
//! catalog and prices one call per well-known model.
//!
//! `cargo run -p vallum-examples --bin litellm_prices -- path/to/model_prices.json`
//!
//! Exits non-zero if the file does not load, if fewer than 1,000 models have
//! text-token prices, or if a well-known model is missing — the test command
//! runs it on the real file from the `litellm` package.

use vallum::cost::{PriceCatalog, Usage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: litellm_prices <model_prices_and_context_window.json>")?;
    let text = std::fs::read_to_string(&path)?;
    let mut catalog = PriceCatalog::default();
    let report = catalog.load_litellm(&text)?;
    println!(
        "{path}: {} models with text-token prices, {} other entries skipped",
        report.loaded, report.skipped
    );
    if report.loaded < 1000 {
        return Err(format!("only {} models loaded", report.loaded).into());
    }
    for model in [
        "gpt-4o",
        "gpt-4o-mini",
        "claude-sonnet-4-5",
        "gemini/gemini-2.5-pro",
    ] {
        let price = catalog.price(model)?;
        let mut usage = Usage::new(model, 1_000_000, 1_000_000);
        usage.cached_input_tokens = 200_000;
        let charge = vallum::cost::compute_charge(&usage, price)?;
        println!(
            "  {model:<32} 1M in (200k cached) + 1M out = ${}.{:06}  (context {:?})",
            charge.cost_micros / 1_000_000,
            charge.cost_micros % 1_000_000,
            price.max_input_tokens
        );
    }
    Ok(())
}
