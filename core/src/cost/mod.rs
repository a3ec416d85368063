//! LLM cost tracking (DESIGN §3.8): integer micro-dollar charges from a
//! price catalog, usage persisted in storage, calendar budgets with warning
//! thresholds, hard and soft limits, and atomic reservations so concurrent
//! callers can never overspend a hard limit.
//!
//! Token conventions (OpenAI's): `input_tokens` counts the whole prompt,
//! `cached_input_tokens` of them were cache reads; `output_tokens` counts the
//! whole completion, `reasoning_tokens` of them were reasoning.

pub mod budget;
pub mod catalog;
mod report;
mod reservations;
mod usage;

pub use crate::storage::UsageField;
pub use crate::vocab::Period;
pub use budget::{budgets_from_yaml, Budget, BudgetLevel, BudgetStatus};
pub use catalog::{LoadReport, ModelPrice, PriceCatalog, PriceSpec};
pub use report::{CostGroup, CostReport, ModelSuggestion, ReportRequest};
pub use reservations::Reservation;
use reservations::{reservation_id, Held};
pub use usage::{compute_charge, Attribution, Charge, Usage};

use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::{BudgetEvent, Event, EventBus};
use crate::storage::{Backend, UsageRow};
use crate::vocab::Zone;
use budget::{Ledger, Line, LineKey};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Vallum extension `costManagement` of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct CostConfig {
    /// IANA time zone for budget periods (default `UTC`).
    pub time_zone: String,
    /// Budgets.
    pub budgets: Vec<Budget>,
    /// Price overrides and additions, in dollars per million tokens.
    pub prices: BTreeMap<String, PriceSpec>,
    /// Price for models not in the catalog (default: none, unknown models are an error).
    pub default_price: Option<PriceSpec>,
    /// Seconds after which an unsettled reservation is released (default 600).
    pub reservation_ttl_seconds: u64,
}

impl Default for CostConfig {
    fn default() -> Self {
        Self {
            time_zone: "UTC".into(),
            budgets: Vec::new(),
            prices: BTreeMap::new(),
            default_price: None,
            reservation_ttl_seconds: 600,
        }
    }
}

/// Ledger lines kept before idle ones are dropped (they reload from storage).
const LEDGER_SOFT_CAP: usize = 10_000;

#[derive(Debug, Default)]
struct State {
    ledger: Ledger,
    held: HashMap<String, Held>,
    /// [`tier_key`] (organization, user) → tier.
    tiers: HashMap<String, String>,
    /// Operations since the ledger was last pruned.
    since_prune: usize,
}

pub(crate) struct CostsInner {
    catalog: RwLock<PriceCatalog>,
    budgets: RwLock<Vec<Budget>>,
    state: Mutex<State>,
    store: Arc<dyn Backend>,
    clock: SharedClock,
    events: EventBus,
    tz: Zone,
    ttl_ms: i64,
}

/// The cost API. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Costs {
    inner: Arc<CostsInner>,
}

impl std::fmt::Debug for Costs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Costs")
            .field("tz", &self.inner.tz)
            .finish_non_exhaustive()
    }
}

impl Costs {
    pub(crate) fn new(
        cfg: &CostConfig,
        store: Arc<dyn Backend>,
        clock: SharedClock,
        events: EventBus,
    ) -> Result<Self> {
        let tz = budget::parse_tz(&cfg.time_zone, "$.costManagement.timeZone")?;
        let mut catalog = PriceCatalog::bundled()?;
        for (model, spec) in &cfg.prices {
            catalog.set(
                model.clone(),
                spec.to_price(&format!("$.costManagement.prices.{model}"))?,
            );
        }
        if let Some(d) = &cfg.default_price {
            catalog.set_default(Some(d.to_price("$.costManagement.defaultPrice")?));
        }
        for (i, b) in cfg.budgets.iter().enumerate() {
            b.validate(&format!("$.costManagement.budgets[{i}]"))?;
        }
        check_unique(&cfg.budgets)?;
        Ok(Self {
            inner: Arc::new(CostsInner {
                catalog: RwLock::new(catalog),
                budgets: RwLock::new(cfg.budgets.clone()),
                state: Mutex::new(State::default()),
                store,
                clock,
                events,
                tz,
                ttl_ms: i64::try_from(cfg.reservation_ttl_seconds.saturating_mul(1000))
                    .unwrap_or(i64::MAX),
            }),
        })
    }

    /// The price catalog (read).
    pub fn catalog(&self) -> PriceCatalog {
        self.inner.catalog.read().clone()
    }

    /// Loads LiteLLM's `model_prices_and_context_window.json` into the catalog.
    pub fn load_litellm_prices(&self, json: &str) -> Result<LoadReport> {
        self.inner.catalog.write().load_litellm(json)
    }

    /// Sets one model's price.
    pub fn set_price(&self, model: &str, price: ModelPrice) {
        self.inner.catalog.write().set(model, price);
    }

    /// The charge `usage` would cost, without recording anything.
    pub fn estimate(&self, usage: &Usage) -> Result<Charge> {
        let catalog = self.inner.catalog.read();
        compute_charge(usage, catalog.price(&usage.model)?)
    }

    /// Adds budgets (the spec's YAML via [`budgets_from_yaml`], or built in code).
    pub fn add_budgets(&self, budgets: Vec<Budget>) -> Result<()> {
        for (i, b) in budgets.iter().enumerate() {
            b.validate(&format!("budgets[{i}]"))?;
        }
        let mut all = self.inner.budgets.write();
        let mut merged = all.clone();
        merged.extend(budgets);
        check_unique(&merged)?;
        *all = merged;
        Ok(())
    }

    /// The budgets.
    pub fn budgets(&self) -> Vec<Budget> {
        self.inner.budgets.read().clone()
    }

    /// Assigns a user id to a tier of per-user budgets (e.g. `manager`) in
    /// every organization; [`Costs::set_user_tier_in`] scopes it to one.
    pub fn set_user_tier(&self, user: &str, tier: Option<&str>) {
        self.set_tier(None, user, tier)
    }

    /// Assigns the user `user` of `organization` to a tier (takes
    /// precedence over an assignment without organization).
    pub fn set_user_tier_in(&self, organization: &str, user: &str, tier: Option<&str>) {
        self.set_tier(Some(organization), user, tier)
    }

    fn set_tier(&self, organization: Option<&str>, user: &str, tier: Option<&str>) {
        let mut st = self.inner.state.lock();
        let key = tier_key(organization, user);
        match tier {
            Some(t) => st.tiers.insert(key, t.to_string()),
            None => st.tiers.remove(&key),
        };
        // Per-user lines are re-derived on next use.
        st.ledger.retain(|(_, org, s), _| {
            s.as_deref() != Some(user) || organization.is_some_and(|o| org.as_deref() != Some(o))
        });
    }

    fn tier_of<'a>(
        tiers: &'a HashMap<String, String>,
        organization: Option<&str>,
        user: &str,
    ) -> Option<&'a String> {
        organization
            .and_then(|o| tiers.get(&tier_key(Some(o), user)))
            .or_else(|| tiers.get(&tier_key(None, user)))
    }

    /// Ledger lines (budget index, subject) that apply to `a`.
    fn lines_for(
        &self,
        budgets: &[Budget],
        tiers: &HashMap<String, String>,
        a: &Attribution,
    ) -> Vec<LineKey> {
        let mut out = Vec::new();
        let org = a.organization.as_deref();
        for (i, b) in budgets.iter().enumerate() {
            if b.organization.as_deref().is_some_and(|o| Some(o) != org) {
                continue;
            }
            let org = a.organization.clone();
            let value = match b.level {
                budget::BudgetLevel::Organization => {
                    out.push((i, org, None));
                    continue;
                }
                budget::BudgetLevel::Department => a.department.as_deref(),
                budget::BudgetLevel::Team => a.team.as_deref(),
                budget::BudgetLevel::User => a.user.as_deref(),
                budget::BudgetLevel::Project => a.project.as_deref(),
                budget::BudgetLevel::CostCenter => a.cost_center.as_deref(),
            };
            let Some(value) = value else { continue };
            match &b.subject {
                Some(s) if s == value => out.push((i, org, None)),
                Some(_) => {}
                None => {
                    if b.level == budget::BudgetLevel::User
                        && Self::tier_of(tiers, org.as_deref(), value) != b.tier.as_ref()
                    {
                        continue;
                    }
                    out.push((i, org, Some(value.to_string())));
                }
            }
        }
        out
    }

    /// Brings a line to the current period, loading its spend from storage when new.
    fn line<'a>(
        &self,
        ledger: &'a mut Ledger,
        budgets: &[Budget],
        key: &LineKey,
        now: i64,
    ) -> Result<&'a mut Line> {
        let b = &budgets[key.0];
        let stale = ledger
            .get(key)
            .is_none_or(|l| now >= l.period_end || now < l.period_start);
        if stale {
            let (start, end) = b.period.bounds(&self.inner.tz, now);
            let filter = match (b.level.field(), &b.subject, &key.2) {
                (None, _, _) => None,
                (Some(f), Some(s), _) => Some((f, s.as_str())),
                (Some(f), None, Some(v)) => Some((f, v.as_str())),
                (Some(_), None, None) => {
                    return Err(Error::internal("ledger line without subject"))
                }
            };
            let spent = self
                .inner
                .store
                .usage_total(start, end, key.1.as_deref(), filter)?;
            let reserved = ledger.get(key).map_or(0, |l| l.reserved);
            ledger.insert(
                key.clone(),
                Line {
                    period_start: start,
                    period_end: end,
                    spent,
                    reserved,
                    warned: false,
                    exceeded_at: None,
                    used_at: now,
                },
            );
        }
        let line = ledger
            .get_mut(key)
            .ok_or_else(|| Error::internal("ledger line lost"))?;
        line.used_at = now;
        Ok(line)
    }

    /// Keeps the ledger bounded: once it passes [`LEDGER_SOFT_CAP`] lines,
    /// drops every line a reload from storage would reproduce exactly — no
    /// hold in flight, no warning or excess recorded this period — least
    /// recently used first, down to half the cap. Lines of ended periods
    /// without holds go first.
    fn prune(st: &mut State, now: i64) {
        st.since_prune += 1;
        if st.ledger.len() <= LEDGER_SOFT_CAP || st.since_prune < LEDGER_SOFT_CAP / 10 {
            return;
        }
        st.since_prune = 0;
        st.ledger
            .retain(|_, l| l.reserved != 0 || (now >= l.period_start && now < l.period_end));
        if st.ledger.len() <= LEDGER_SOFT_CAP / 2 {
            return;
        }
        let reloadable = |l: &Line| l.reserved == 0 && !l.warned && l.exceeded_at.is_none();
        let excess = st.ledger.len().saturating_sub(LEDGER_SOFT_CAP / 2);
        let times = || {
            st.ledger
                .values()
                .filter(|l| reloadable(l))
                .map(|l| l.used_at)
        };
        let (Some(mut lo), Some(mut hi)) = (times().min(), times().max()) else {
            return;
        };
        // The earliest last-use time by which `excess` reloadable lines were
        // used (a search over time rather than a sort): those lines go, the
        // least recently used first; ties may take a few more.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if times().filter(|t| *t <= mid).count() >= excess {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let cutoff = lo;
        st.ledger
            .retain(|_, l| !(reloadable(l) && l.used_at <= cutoff));
    }

    /// Ledger lines held in memory (bounded; see [`Costs::reserve`]).
    pub fn ledger_lines(&self) -> usize {
        self.inner.state.lock().ledger.len()
    }

    fn event(&self, b: &Budget, l: &Line, refused: bool, now: i64) -> BudgetEvent {
        BudgetEvent {
            budget: b.id.clone(),
            spent_micros: l.spent,
            reserved_micros: l.reserved,
            limit_micros: b.limit_micros,
            period_start: l.period_start,
            refused,
            at: now,
        }
    }

    /// [`Costs::reserve`], returning its budget events instead of emitting
    /// them (the guard emits them in stage order after its audit record).
    pub(crate) fn reserve_collect(&self, estimate: &Usage) -> (Result<Reservation>, Vec<Event>) {
        let amount = match self.estimate(estimate) {
            Ok(c) => c.cost_micros,
            Err(e) => return (Err(e), Vec::new()),
        };
        let budgets = self.inner.budgets.read();
        let now = self.inner.clock.now_ms();
        let mut events = Vec::new();
        let result = (|| {
            let mut guard = self.inner.state.lock();
            let st = &mut *guard;
            self.expire(st, now);
            Self::prune(st, now);
            let keys = self.lines_for(&budgets, &st.tiers, &estimate.attribution);
            let mut refusal = None;
            for k in &keys {
                let b = &budgets[k.0];
                let l = self.line(&mut st.ledger, &budgets, k, now)?;
                let after = l.spent as i128 + l.reserved as i128 + amount as i128;
                if after > b.limit_micros as i128 {
                    let refuse = if b.hard_limit {
                        true
                    } else {
                        match b.grace_period_hours {
                            None => false,
                            Some(h) => {
                                let since = *l.exceeded_at.get_or_insert(now);
                                now - since > i64::from(h) * 3_600_000
                            }
                        }
                    };
                    if refuse {
                        events.push(Event::BudgetExceeded(self.event(b, l, true, now)));
                        refusal = Some(Error::BudgetExceeded {
                            budget: b.id.clone(),
                            limit_micros: b.limit_micros,
                            spent_micros: l.spent,
                            reserved_micros: l.reserved,
                            requested_micros: amount,
                        });
                        break;
                    }
                }
            }
            match refusal {
                Some(e) => Err(e),
                None => {
                    for k in &keys {
                        if let Some(l) = st.ledger.get_mut(k) {
                            l.reserved += amount;
                        }
                    }
                    let id = reservation_id()?;
                    let expires_at = now.saturating_add(self.inner.ttl_ms);
                    let organization = estimate.attribution.organization.clone();
                    st.held.insert(
                        id.clone(),
                        Held {
                            amount,
                            lines: keys,
                            expires_at,
                            organization: organization.clone(),
                        },
                    );
                    Ok(Reservation {
                        id,
                        organization,
                        amount_micros: amount,
                        expires_at,
                    })
                }
            }
        })();
        drop(budgets);
        (result, events)
    }

    /// Records a call that was not reserved (the spec's `record_usage`).
    /// Never refuses — the call already happened — but budget events fire.
    pub fn record_usage(&self, usage: &Usage) -> Result<Charge> {
        self.record(usage)
    }

    /// Counts the charge in the ledger, then persists it with the same
    /// timestamp; a storage error reverts the ledger. (Counting first means a
    /// ledger line loaded from storage never already contains this row.)
    fn record(&self, usage: &Usage) -> Result<Charge> {
        let charge = self.estimate(usage)?;
        let now = self.inner.clock.now_ms();
        let (lines, events) = self.apply_spend(usage, &charge, now);
        {
            let mut st = self.inner.state.lock();
            Self::prune(&mut st, now);
        }
        if let Err(e) = self.persist(usage, &charge, now) {
            let mut st = self.inner.state.lock();
            for k in lines {
                if let Some(l) = st.ledger.get_mut(&k) {
                    if now >= l.period_start && now < l.period_end {
                        l.spent -= charge.cost_micros;
                    }
                }
            }
            return Err(e);
        }
        for e in events {
            self.inner.events.emit(e);
        }
        Ok(charge)
    }

    fn persist(&self, usage: &Usage, charge: &Charge, at: i64) -> Result<()> {
        let a = &usage.attribution;
        self.inner.store.append_usage(&[UsageRow {
            at,
            model: usage.model.clone(),
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            cached_input_tokens: usage.cached_input_tokens,
            reasoning_tokens: usage.reasoning_tokens,
            cache_write_tokens: usage.cache_write_tokens,
            cost_micros: charge.cost_micros,
            organization: a.organization.clone(),
            user: a.user.clone(),
            team: a.team.clone(),
            department: a.department.clone(),
            cost_center: a.cost_center.clone(),
            project: a.project.clone(),
        }])
    }

    fn apply_spend(&self, usage: &Usage, charge: &Charge, now: i64) -> (Vec<LineKey>, Vec<Event>) {
        let budgets = self.inner.budgets.read();
        let mut events = Vec::new();
        let mut touched = Vec::new();
        let mut guard = self.inner.state.lock();
        let st = &mut *guard;
        for k in self.lines_for(&budgets, &st.tiers, &usage.attribution) {
            let b = &budgets[k.0];
            let Ok(l) = self.line(&mut st.ledger, &budgets, &k, now) else {
                continue;
            };
            l.spent += charge.cost_micros;
            let warn_at = (b.limit_micros as f64 * b.warning_threshold) as i64;
            if !l.warned && l.spent >= warn_at {
                l.warned = true;
                events.push(Event::BudgetWarning(self.event(b, l, false, now)));
            }
            if l.spent > b.limit_micros && l.exceeded_at.is_none() {
                l.exceeded_at = Some(now);
                events.push(Event::BudgetExceeded(self.event(b, l, false, now)));
            }
            touched.push(k);
        }
        (touched, events)
    }

    /// Where every budget stands (per subject for per-subject budgets that have been used).
    pub fn budget_status(&self) -> Result<Vec<BudgetStatus>> {
        let budgets = self.inner.budgets.read();
        let now = self.inner.clock.now_ms();
        let mut guard = self.inner.state.lock();
        let st = &mut *guard;
        self.expire(st, now);
        let mut out = Vec::new();
        for (i, b) in budgets.iter().enumerate() {
            let mut keys: Vec<LineKey> = st
                .ledger
                .keys()
                .filter(|(j, _, _)| *j == i)
                .cloned()
                .collect();
            // A budget of one organization, or of all spending, always has
            // a line to show, used or not.
            let single = b.subject.is_some() || b.level == budget::BudgetLevel::Organization;
            if keys.is_empty() && single {
                keys.push((i, b.organization.clone(), None));
            }
            for key in keys {
                let l = self.line(&mut st.ledger, &budgets, &key, now)?;
                let (_, org, s) = key;
                out.push(budget::status(
                    b,
                    org,
                    s.or_else(|| b.subject.clone()),
                    l,
                    now,
                ));
            }
        }
        Ok(out)
    }

    pub(crate) fn store(&self) -> &dyn Backend {
        &*self.inner.store
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub(crate) fn tz(&self) -> &Zone {
        &self.inner.tz
    }
}

/// The key of a tier assignment: the organization length-prefixed, or `*`
/// for every organization, then the user — unambiguous for any ids.
fn tier_key(organization: Option<&str>, user: &str) -> String {
    match organization {
        Some(o) => format!("{}:{o}{user}", o.len()),
        None => format!("*{user}"),
    }
}

fn check_unique(budgets: &[Budget]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for b in budgets {
        if !seen.insert(b.id.as_str()) {
            return Err(Error::config(
                "$.costManagement.budgets",
                format!("duplicate budget id `{}`", b.id),
            ));
        }
    }
    Ok(())
}
