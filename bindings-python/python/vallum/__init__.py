"""Vallum for Python: the Rust core's trust layer for AI copilots.

    >>> import os, vallum
    >>> v = vallum.Vallum(config={"enterpriseSecurity": {"piiProtection": {"enabled": True}}},
    ...                   master_key=os.urandom(32), in_memory=True)
    >>> v.pii.mask("mail bob@example.com")["text"]
    'mail <EMAIL_ADDRESS>'

All logic lives in the core; this module only arranges it into a Pythonic
object model. Errors are `VallumError` subclasses with a stable `.code`;
instants are timezone-aware UTC ``datetime``s; offsets are string indices.
"""

from __future__ import annotations

# The core's results are JSON-shaped (`Any` in the extension's stubs); each
# method's annotation here is the declared type of its result.
# mypy: disable-error-code="no-any-return"

import atexit as _atexit
import json as _json
import os as _os
import weakref as _weakref
import datetime as _dt
from typing import (
    Any as _Any,
    Callable as _Callable,
    Iterable as _Iterable,
    Dict as _Dict,
    List as _List,
    Mapping as _Mapping,
    Optional as _Optional,
    Sequence as _Sequence,
    Tuple as _Tuple,
    Union as _Union,
)

# The `__future__` import binds a module global; the package exports only its API.
del annotations

from . import _vallum
from ._vallum import (  # noqa: F401  (re-exported)
    BudgetExceeded,
    Conflict,
    CorruptStore,
    DecryptionFailed,
    InternalError,
    InvalidArgument,
    InvalidConfig,
    InvalidKey,
    InvalidPolicy,
    KeyMismatch,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    ScopeDisabled,
    SerializationError,
    StorageError,
    StoreLocked,
    UnknownModel,
    ValueTooLarge,
    VallumError,
    ENTITIES,
    ERROR_CODES,
)

__version__: str = _vallum.__version__

Json = _Any
#: ``{"organization", "user"?, "session"?, "permissions"?}``; permissions are
#: granted by the host, e.g. ``["memory:global:write"]`` (docs/security.md).
Context = _Mapping[str, _Any]
#: An instant: an aware datetime, epoch milliseconds, or a relative spec such as ``"now-24h"``.
TimePoint = _Union[_dt.datetime, int, str]

__all__ = [
    "Vallum",
    "VallumError",
    "ENTITIES",
    "ERROR_CODES",
    "Json",
    "Context",
    "TimePoint",
    "Memory",
    "Pii",
    "Policy",
    "Rbac",
    "Limits",
    "Threats",
    "Audit",
    "Metrics",
    "Costs",
    "Compliance",
    "Guard",
    "validate_config",
    "migrate_config",
    "create_enterprise_config",
    "compute_charge",
    "open_stored_value",
    "BudgetExceeded",
    "Conflict",
    "CorruptStore",
    "DecryptionFailed",
    "InternalError",
    "InvalidArgument",
    "InvalidConfig",
    "InvalidKey",
    "InvalidPolicy",
    "KeyMismatch",
    "NotFound",
    "PermissionDenied",
    "QuotaExceeded",
    "ScopeDisabled",
    "SerializationError",
    "StorageError",
    "StoreLocked",
    "UnknownModel",
    "ValueTooLarge",
]


def _config_text(config: _Union[None, str, _os.PathLike[str], _Mapping[str, _Any]]) -> _Optional[str]:
    if config is None:
        return None
    if isinstance(config, _Mapping):
        return _json.dumps(config)
    path = _os.fspath(config)
    with open(path, encoding="utf-8") as f:
        return f.read()


def validate_config(config: _Union[str, _Mapping[str, _Any]]) -> _Dict[str, _Any]:
    """Every error of a configuration (dict or JSON text) with its JSON path:
    ``{"valid": bool, "errors": [{"path": ..., "message": ...}]}`` (the spec's
    ``validatePhase5Config``)."""
    return _vallum.call_static("validateConfig", config if isinstance(config, str) else dict(config))


def migrate_config(config: _Mapping[str, _Any]) -> _Dict[str, _Any]:
    """A base configuration migrated to a full one with safe defaults (``migrateToPhase5``)."""
    return _vallum.call_static("migrateConfig", dict(config))


def create_enterprise_config(config: _Mapping[str, _Any]) -> _Dict[str, _Any]:
    """A full enterprise configuration from a partial one (``createEnterpriseConfig``)."""
    return _vallum.call_static("createEnterpriseConfig", dict(config))


def compute_charge(usage: _Mapping[str, _Any]) -> _Dict[str, _Any]:
    """The price of ``usage`` from the bundled catalog (``costPicos`` is a string:
    the exact pico-dollar total can exceed 2**53)."""
    return _vallum.call_static("computeCharge", usage)


def open_stored_value(stored: _Mapping[str, _Any]) -> Json:
    """Opens one stored value — the storage format's known-answer procedure
    (``masterKey``, ``scope``, ``owner``, ``key``, ``dataKeyId``, and the hex
    ``wrappedDataKey`` and ``storedValue``)."""
    return _vallum.call_static("openStoredValue", stored)


class _Part:
    __slots__ = ("_core",)

    def __init__(self, core: _vallum.Core) -> None:
        self._core = core


class Memory(_Part):
    """Encrypted memory per scope (``session``, ``user``, ``organization``,
    ``global``, ``ephemeral``). ``ctx`` is ``{"organization", "user"?, "session"?}``.
    Options of ``set``: ``ttl`` (ms), ``encrypt``, ``tags``, ``secret``."""

    def set(self, ctx: Context, scope: str, key: str, value: Json, **options: _Any) -> None:
        self._core.call_blocking("memory.set", ctx, key, value, scope, options or None)

    def get(self, ctx: Context, scope: str, key: str) -> Json:
        """The value, or None when the key is absent or expired."""
        return self._core.call_blocking("memory.get", ctx, key, scope)

    def get_entry(self, ctx: Context, scope: str, key: str) -> _Optional[_Dict[str, _Any]]:
        """The value with its metadata (tags, ``createdAt``/``updatedAt``/``expiresAt``
        as aware datetimes, ``encrypted``)."""
        return self._core.call_blocking("memory.getEntry", ctx, key, scope)

    def remove(self, ctx: Context, scope: str, key: str) -> bool:
        return self._core.call_blocking("memory.remove", ctx, key, scope)

    def clear_scope(self, ctx: Context, scope: str) -> int:
        """Removes every entry of the context's owner in ``scope``; returns how many."""
        return self._core.call_blocking("memory.clearScope", ctx, scope)

    def get_batch(self, ctx: Context, scope: str, keys: _Sequence[str]) -> _Dict[str, Json]:
        """The present keys' values (absent and expired keys are left out)."""
        return self._core.call_blocking("memory.getBatch", ctx, list(keys), scope)

    def set_batch(self, ctx: Context, scope: str, items: _Mapping[str, Json], **options: _Any) -> None:
        """Writes every item in one transaction: all or none."""
        self._core.call_blocking("memory.setBatch", ctx, dict(items), scope, options or None)

    def search(self, ctx: Context, scope: str, text: _Optional[str] = None, *,
               tags: _Sequence[str] = (), limit: _Optional[int] = None) -> _List[_Dict[str, _Any]]:
        """Entries whose key or value contains ``text`` (case-insensitive) and that carry every tag."""
        query: _Dict[str, _Any] = {"tags": list(tags)}
        if text is not None:
            query["text"] = text
        if limit is not None:
            query["limit"] = limit
        return self._core.call_blocking("memory.search", ctx, query, scope)

    def resolve(self, ctx: Context, key: str) -> _Optional[_Dict[str, _Any]]:
        """The key in the most specific scope holding it: ``{"scope", "value"}``."""
        return self._core.call_blocking("memory.resolve", ctx, key)

    def export(self, ctx: Context, subject: _Optional[str] = None) -> _Dict[str, _Any]:
        """Everything stored for ``subject`` (``session``, ``user`` — the
        default — or ``organization``), decrypted — a data-subject access request."""
        return self._core.call_blocking("memory.export", ctx, subject)

    def forget(self, ctx: Context, subject: str) -> _Dict[str, _Any]:
        """Crypto-shreds ``subject``: its data keys and rows in every scope."""
        return self._core.call_blocking("memory.forget", ctx, subject)

    def stats(self, scope: _Optional[str] = None) -> _List[_Dict[str, _Any]]:
        return self._core.call_blocking("memory.stats", scope)

    def optimize(self) -> _Dict[str, _Any]:
        return self._core.call_blocking("memory.optimize")

    def rotate_data_key(self, ctx: Context, scope: str) -> int:
        """Re-encrypts the owner's entries under a new data key; returns how many."""
        return self._core.call_blocking("memory.rotateDataKey", ctx, scope)


class Pii(_Part):
    """PII detection and masking. Offsets are Python string indices."""

    def detect(self, text: str) -> _List[_Dict[str, _Any]]:
        return self._core.call_blocking("pii.detect", text)

    def detect_with(self, text: str, *, entities: _Optional[_Sequence[str]] = None,
                    threshold: _Optional[float] = None, context: bool = True,
                    resolve_overlaps: bool = True) -> _List[_Dict[str, _Any]]:
        options: _Dict[str, _Any] = {"context": context, "resolveOverlaps": resolve_overlaps}
        if entities is not None:
            options["entities"] = list(entities)
        if threshold is not None:
            options["threshold"] = threshold
        return self._core.call_blocking("pii.detect", text, options)

    def entities(self) -> _List[str]:
        """The entity names this instance can report (built-in, custom and
        deny-list); ``detect(entities=[...])`` accepts only these."""
        return self._core.call("pii.entities")

    def validate(self, entity: str, value: str) -> _Optional[bool]:
        """The entity's check-digit validator (None when it has none)."""
        return self._core.call("pii.validate", entity, value)

    def mask(self, text: str, ctx: _Optional[Context] = None) -> _Dict[str, _Any]:
        """Masks with the configured operators; ``ctx`` owns the tokens of the
        ``encrypt`` operator (required when one is configured)."""
        return self._core.call_blocking("pii.mask", text, ctx)

    def add_recognizer(self, name: str, recognize: _Callable[[str], _Iterable[_Any]],
                       entities: _Sequence[str], offsets: str = "chars") -> None:
        """Plugs in a recognizer of your own (a spaCy or GLiNER pipeline, a
        lookup): ``recognize(text)`` returns spans as ``(entity, start, end)``
        or ``(entity, start, end, score)`` tuples, dicts with those keys, or
        spaCy ``Span`` objects. ``entities`` lists every entity it may report;
        ``offsets`` counts ``"chars"`` (Python indices), ``"utf16"`` or
        ``"bytes"``. Its spans join the built-in findings in every detection
        (detect, mask, the guard, sessions, streams); an exception it raises
        or a bad span fails that call with ``InvalidArgument``. It must not
        call back into this instance."""
        self._core.add_recognizer(name, recognize, list(entities), offsets)

    def remove_recognizer(self, name: str) -> bool:
        """Removes a plugged-in recognizer; whether there was one."""
        return self._core.remove_recognizer(name)

    def mask_in_session(self, ctx: Context, text: str) -> str:
        return self._core.call_blocking("pii.maskInSession", ctx, text)

    def unmask_in_session(self, ctx: Context, text: str) -> str:
        return self._core.call_blocking("pii.unmaskInSession", ctx, text)


class Policy(_Part):
    """Security policies and decisions."""

    def evaluate(self, request: _Mapping[str, _Any], *, audited_by: _Optional[str] = None) -> _Dict[str, _Any]:
        """The decision for ``request``; with ``audited_by``, also an audit record."""
        if audited_by is None:
            return self._core.call("policy.evaluate", request)
        return self._core.call_blocking("policy.evaluate", request, {"auditedBy": audited_by})

    def add(self, policy: _Mapping[str, _Any]) -> str:
        return self._core.call_blocking("policy.add", policy)

    def update(self, policy_id: str, patch: _Mapping[str, _Any]) -> None:
        """Changes the fields present in ``patch`` (the id cannot change)."""
        self._core.call_blocking("policy.update", policy_id, patch)

    def remove(self, policy_id: str) -> bool:
        return self._core.call_blocking("policy.remove", policy_id)

    def get(self, policy_id: str) -> _Optional[_Dict[str, _Any]]:
        return self._core.call("policy.get", policy_id)

    def list(self) -> _List[_Dict[str, _Any]]:
        return self._core.call("policy.list")


class Rbac(_Part):
    """Roles and permissions. A principal is ``{"id", "roles"?, "groups"?, "claims"?}``."""

    def has_permission(self, principal: _Mapping[str, _Any], permission: str) -> bool:
        return self._core.call("rbac.hasPermission", principal, permission)

    def roles_of(self, principal: _Mapping[str, _Any]) -> _List[str]:
        return self._core.call("rbac.rolesOf", principal)

    def cost_center(self, principal: _Mapping[str, _Any]) -> _Optional[str]:
        return self._core.call("rbac.costCenter", principal)


class Limits(_Part):
    """Rate limits and quotas."""

    def check(self, name: str, key: str) -> _Dict[str, _Any]:
        return self._core.call("limits.check", name, key)


class Threats(_Part):
    """Threat detection and the threat log."""

    def scan(self, text: str) -> _Dict[str, _Any]:
        return self._core.call("threats.scan", text)

    def scan_and_record(self, text: str, source: str) -> _Dict[str, _Any]:
        """Scans and records what was found (no text is stored)."""
        return self._core.call_blocking("threats.scanAndRecord", text, source)

    def report(self, threat: _Mapping[str, _Any]) -> str:
        """Records a threat the host saw (``kind``, ``severity``, ``source``?,
        ``description``?); returns its id."""
        return self._core.call_blocking("threats.report", threat)

    def list(self, period: _Optional[str] = None) -> _List[_Dict[str, _Any]]:
        """The threats of the period containing now (default ``day``)."""
        return self._core.call_blocking("threats.list", period)

    def summary(self, period: _Optional[str] = None) -> _Dict[str, _Any]:
        """Counts of the period's threats (default ``day``)."""
        return self._core.call_blocking("threats.summary", period)


class Audit(_Part):
    """The tamper-evident audit log. Filters are dicts with ``from``/``to``
    (aware datetimes or epoch ms), ``actor``, ``action`` and ``limit``."""

    def append(self, actor: str, action: str, resource: str, outcome: str,
               details: _Optional[_Mapping[str, _Any]] = None) -> int:
        return self._core.call_blocking("audit.append", actor, action, resource, outcome, details)

    def query(self, filter: _Optional[_Mapping[str, _Any]] = None) -> _List[_Dict[str, _Any]]:
        return self._core.call_blocking("audit.query", filter)

    def verify(self) -> _Dict[str, _Any]:
        return self._core.call_blocking("audit.verify")

    def checkpoint(self) -> _Dict[str, _Any]:
        """A signed statement of the log's head; keep copies outside the database."""
        return self._core.call_blocking("audit.checkpoint")

    def verify_against(self, checkpoint: _Mapping[str, _Any]) -> _Dict[str, _Any]:
        """Verifies the log and that it still reaches ``checkpoint``'s head."""
        return self._core.call_blocking("audit.verifyAgainst", checkpoint)

    def purge_expired(self) -> int:
        return self._core.call_blocking("audit.purgeExpired")

    def export_json(self, filter: _Optional[_Mapping[str, _Any]] = None) -> str:
        return self._core.call_blocking("audit.exportJson", filter)

    def export_csv(self, filter: _Optional[_Mapping[str, _Any]] = None) -> str:
        return self._core.call_blocking("audit.exportCsv", filter)

    def verify_records(self, records: _Sequence[_Mapping[str, _Any]], start_seq: _Optional[int] = None,
                       start_prev: _Optional[str] = None) -> _Dict[str, _Any]:
        """Checks exported records on their own, from ``start_seq`` (default 1)
        and the hash before it (default 64 zeros)."""
        return self._core.call_blocking("audit.verifyRecords", list(records), start_seq, start_prev)


class Metrics(_Part):
    """Metrics, queries, journeys, alerts, reports, Prometheus text."""

    def record(self, name: str, value: float, labels: _Optional[_Mapping[str, str]] = None) -> None:
        self._core.call("metrics.record", name, float(value), labels)

    def increment(self, name: str, by: _Optional[float] = None, labels: _Optional[_Mapping[str, str]] = None) -> None:
        """Adds ``by`` (default 1) to a counter."""
        self._core.call("metrics.increment", name, None if by is None else float(by), labels)

    def set_gauge(self, name: str, value: float, labels: _Optional[_Mapping[str, str]] = None) -> None:
        self._core.call("metrics.setGauge", name, float(value), labels)

    def query(self, query: _Mapping[str, _Any]) -> _Dict[str, _Any]:
        return self._core.call("metrics.query", query)

    def record_user_journey(self, step: _Mapping[str, _Any]) -> None:
        """One step: ``{"action", "duration" (ms), "success", "metadata"?}``."""
        self._core.call("metrics.recordUserJourney", step)

    def journey_stats(self, start: _Optional[TimePoint] = None, end: _Optional[TimePoint] = None) -> _List[_Dict[str, _Any]]:
        """Per-journey step statistics from ``start`` (default ``now-24h``) to ``end`` (default ``now``)."""
        return self._core.call("metrics.journeyStats", start, end)

    def health(self) -> _Dict[str, _Any]:
        """``{"score": 0..100, "healthy": bool}``."""
        h = self._core.call("metrics.health")
        return {"score": h["overallScore"], "healthy": h["isHealthy"]}

    def generate_report(self, period: _Optional[str] = None) -> _Dict[str, _Any]:
        """The performance report of a period (default ``daily``)."""
        return self._core.call_blocking("metrics.generateReport", period)

    def add_alert_rule(self, rule: _Mapping[str, _Any]) -> None:
        self._core.call("metrics.addAlertRule", rule)

    def remove_alert_rule(self, name: str) -> bool:
        return self._core.call("metrics.removeAlertRule", name)

    def alert_rules(self) -> _List[_Dict[str, _Any]]:
        return self._core.call("metrics.alertRules")

    def active_alerts(self) -> _List[_Dict[str, _Any]]:
        return self._core.call("metrics.activeAlerts")

    def alert_history(self) -> _List[_Dict[str, _Any]]:
        return self._core.call("metrics.alertHistory")

    def acknowledge_alert(self, alert_id: str, by: str) -> None:
        self._core.call("metrics.acknowledgeAlert", alert_id, by)

    def prometheus(self) -> str:
        return self._core.call("metrics.prometheus")


class Costs(_Part):
    """Usage, budgets, reservations, reports (money in integer micro-dollars)."""

    def record_usage(self, usage: _Mapping[str, _Any]) -> _Dict[str, _Any]:
        return self._core.call_blocking("costs.recordUsage", usage)

    def estimate(self, usage: _Mapping[str, _Any]) -> _Dict[str, _Any]:
        """The charge ``usage`` would cost, without recording it."""
        return self._core.call("costs.estimate", usage)

    def reserve(self, usage: _Mapping[str, _Any]) -> _Dict[str, _Any]:
        """Holds the estimated charge against every budget that applies
        (``BudgetExceeded`` when one would overspend)."""
        return self._core.call_blocking("costs.reserve", usage)

    def settle(self, reservation: _Mapping[str, _Any], usage: _Mapping[str, _Any]) -> _Dict[str, _Any]:
        """Records the actual usage and releases the hold."""
        return self._core.call_blocking("costs.settle", reservation, usage)

    def release(self, reservation: _Mapping[str, _Any]) -> bool:
        return self._core.call("costs.release", reservation)

    def report(self, period: str = "monthly", group_by: str = "department") -> _Dict[str, _Any]:
        return self._core.call_blocking("costs.report", {"period": period, "groupBy": group_by})

    def budget_status(self) -> _List[_Dict[str, _Any]]:
        return self._core.call_blocking("costs.budgetStatus")

    def add_budgets(self, budgets: _Sequence[_Mapping[str, _Any]]) -> None:
        self._core.call("costs.addBudgets", list(budgets))

    def budgets(self) -> _List[_Dict[str, _Any]]:
        return self._core.call("costs.budgets")

    def set_user_tier(self, user: str, tier: _Optional[str] = None, organization: _Optional[str] = None) -> None:
        """Assigns a per-user budget tier; without ``organization``, to the
        user id in every organization."""
        self._core.call("costs.setUserTier", user, tier, organization)

    def load_litellm_prices(self, json_text: str) -> _Dict[str, _Any]:
        """Loads LiteLLM's ``model_prices_and_context_window.json`` text."""
        return self._core.call("costs.loadLitellmPrices", json_text)


class Compliance(_Part):
    """Compliance checks over what the SDK can observe."""

    def check(self, framework: _Optional[str] = None) -> _Dict[str, _Any]:
        """The report of ``framework`` (``gdpr`` — the default — ``hipaa``, ``soc2``)."""
        return self._core.call_blocking("compliance.check", framework)


class Guard(_Part):
    """The one-call pipeline: guard a prompt, guard the model's answer."""

    def prompt(self, input: _Mapping[str, _Any]) -> _Dict[str, _Any]:
        return self._core.call_blocking("guard.prompt", input)

    def response(self, input: _Mapping[str, _Any]) -> _Dict[str, _Any]:
        return self._core.call_blocking("guard.response", input)


# Instances still open, flushed when the interpreter exits (queued ``fast``
# writes and metric roll-ups would otherwise wait for a finalizer that
# Python does not promise to run).
_LIVE: "_weakref.WeakSet[Vallum]" = _weakref.WeakSet()


@_atexit.register
def _flush_at_exit() -> None:
    for v in list(_LIVE):
        try:
            v._core.call("flush")
        except Exception:  # noqa: BLE001 - closed stores and failed flushes alike
            pass


class Vallum:
    """One handle to every module.

    ``config`` is a dict, a JSON file path, or None; storage is the SQLite
    file ``db_path`` (else the config's ``databasePath``, else memory when
    ``in_memory``); the master key is 32 ``bytes`` or the name of an
    environment variable holding it (hex or base64) in ``master_key_env``.
    ``clock_ms`` runs the instance on a manual clock starting there, moved
    with ``advance_clock`` (deterministic tests). ``gazetteer`` is the pack
    names and places are looked up in: the built-in English pack by default,
    a path to another pack file (``docs/pii.md``), or ``False`` for the rules
    alone.
    """

    def __init__(self, config: _Union[None, str, _os.PathLike[str], _Mapping[str, _Any]] = None, *,
                 db_path: _Union[None, str, _os.PathLike[str]] = None,
                 master_key: _Optional[bytes] = None, master_key_env: _Optional[str] = None,
                 in_memory: bool = False, clock_ms: _Optional[int] = None,
                 gazetteer: _Union[None, bool, str, _os.PathLike[str]] = None) -> None:
        self._core = _vallum.Core(
            _config_text(config),
            None if db_path is None else _os.fspath(db_path),
            None if master_key is None else bytes(master_key),
            master_key_env,
            in_memory,
            clock_ms,
            gazetteer,
        )
        core = self._core
        _LIVE.add(self)
        self.memory = Memory(core)
        self.pii = Pii(core)
        self.policy = Policy(core)
        self.rbac = Rbac(core)
        self.limits = Limits(core)
        self.threats = Threats(core)
        self.audit = Audit(core)
        self.metrics = Metrics(core)
        self.costs = Costs(core)
        self.compliance = Compliance(core)
        self.guard = Guard(core)
        self._subscriptions: _List[_vallum.Subscription] = []

    def subscribe(self, kind: _Optional[str], callback: _Callable[[_Dict[str, _Any]], None]) -> _Callable[[], None]:
        """Calls ``callback(event)`` for events of ``kind`` (None: all); returns
        a function that unsubscribes. Exceptions in the callback are reported
        through ``sys.unraisablehook`` and never reach the core."""
        sub = self._core.subscribe(kind, callback)
        self._subscriptions.append(sub)

        def unsubscribe() -> None:
            sub.close()
            if sub in self._subscriptions:
                self._subscriptions.remove(sub)

        return unsubscribe

    def advance_clock(self, ms: int) -> None:
        """Moves time forward on an instance built with ``clock_ms`` (tests, simulations)."""
        self._core.advance_clock(ms)

    def rotate_master_key(self, new_key: bytes) -> int:
        """Re-wraps every data key under ``new_key``; returns how many."""
        return self._core.rotate_master_key(bytes(new_key))

    def now(self) -> _dt.datetime:
        """This instance's time (aware, UTC)."""
        return self._core.now()

    @property
    def master_key_id(self) -> str:
        """A fingerprint of the master key in use (never the key)."""
        return self._core.call("masterKeyId")

    @property
    def event_health(self) -> _Dict[str, int]:
        """``{"subscriber_panics", "dropped_events"}`` since start."""
        h = self._core.call("eventHealth")
        return {"subscriber_panics": h["subscriberPanics"], "dropped_events": h["droppedEvents"]}

    def flush(self) -> None:
        """Writes everything still queued and returns once it is on disk: the
        store's queued writes in ``fast`` durability (``durable`` has none)
        and the metric roll-ups. ``close()``, the ``with`` block's exit and
        interpreter exit flush too."""
        self._core.call("flush")

    def close(self) -> None:
        """Ends every subscription and closes the store, releasing its writer
        lock so another instance or process can open it. Later calls that
        touch storage raise ``StorageError``; closing twice is harmless."""
        for sub in self._subscriptions:
            sub.close()
        self._subscriptions.clear()
        self._core.close()

    def __enter__(self) -> "Vallum":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
