"""Type stubs of the extension module ``vallum._vallum`` (the Rust core's
binding). Use ``vallum.Vallum``; this layer only converts values and errors."""

import datetime
import os
from typing import Any, Callable, Dict, Iterable, List, Literal, Optional, Union, final

__all__ = [
    "__version__",
    "ENTITIES",
    "ERROR_CODES",
    "Core",
    "Subscription",
    "VallumError",
    "InvalidConfig",
    "InvalidPolicy",
    "InvalidArgument",
    "ValueTooLarge",
    "QuotaExceeded",
    "DecryptionFailed",
    "KeyMismatch",
    "InvalidKey",
    "StorageError",
    "CorruptStore",
    "SerializationError",
    "NotFound",
    "ScopeDisabled",
    "UnknownModel",
    "BudgetExceeded",
    "StoreLocked",
    "PermissionDenied",
    "Conflict",
    "InternalError",
    "call_static",
    "_panic_for_tests",
    "_raise_for_tests",
]

__version__: str
ENTITIES: List[str]
#: Every error code of the core, in its order; each has an exception class.
ERROR_CODES: List[str]

class VallumError(Exception):
    code: str

class InvalidConfig(VallumError): ...
class InvalidPolicy(VallumError): ...
class InvalidArgument(VallumError): ...
class ValueTooLarge(VallumError): ...
class QuotaExceeded(VallumError): ...
class DecryptionFailed(VallumError): ...
class KeyMismatch(VallumError): ...
class InvalidKey(VallumError): ...
class StorageError(VallumError): ...
class CorruptStore(VallumError): ...
class SerializationError(VallumError): ...
class NotFound(VallumError): ...
class ScopeDisabled(VallumError): ...
class UnknownModel(VallumError): ...
class BudgetExceeded(VallumError): ...
class StoreLocked(VallumError): ...
class PermissionDenied(VallumError): ...
class Conflict(VallumError): ...
class InternalError(VallumError): ...

@final
class Subscription:
    def close(self) -> None: ...

#: The operations of the core's table (core/src/api/ops.rs, bindings-node/ops.json).
_Operation = Literal[
    "now",
    "masterKeyId",
    "eventHealth",
    "flush",
    "rotateMasterKey",
    "guard.prompt",
    "guard.response",
    "pii.detect",
    "pii.entities",
    "pii.detectPII",
    "pii.validate",
    "pii.mask",
    "pii.maskInSession",
    "pii.unmaskInSession",
    "policy.evaluate",
    "policy.add",
    "policy.update",
    "policy.remove",
    "policy.get",
    "policy.list",
    "rbac.hasPermission",
    "rbac.rolesOf",
    "rbac.costCenter",
    "limits.check",
    "threats.scan",
    "threats.scanAndRecord",
    "threats.report",
    "threats.list",
    "threats.summary",
    "compliance.check",
    "audit.append",
    "audit.query",
    "audit.verify",
    "audit.checkpoint",
    "audit.verifyAgainst",
    "audit.purgeExpired",
    "audit.exportJson",
    "audit.exportCsv",
    "audit.verifyRecords",
    "memory.set",
    "memory.get",
    "memory.getEntry",
    "memory.remove",
    "memory.clearScope",
    "memory.getBatch",
    "memory.setBatch",
    "memory.search",
    "memory.resolve",
    "memory.export",
    "memory.forget",
    "memory.stats",
    "memory.optimize",
    "memory.rotateDataKey",
    "costs.recordUsage",
    "costs.estimate",
    "costs.reserve",
    "costs.settle",
    "costs.release",
    "costs.report",
    "costs.budgetStatus",
    "costs.addBudgets",
    "costs.budgets",
    "costs.setUserTier",
    "costs.loadLitellmPrices",
    "metrics.record",
    "metrics.increment",
    "metrics.setGauge",
    "metrics.recordUserJourney",
    "metrics.query",
    "metrics.journeyStats",
    "metrics.health",
    "metrics.generateReport",
    "metrics.addAlertRule",
    "metrics.removeAlertRule",
    "metrics.alertRules",
    "metrics.activeAlerts",
    "metrics.alertHistory",
    "metrics.acknowledgeAlert",
    "metrics.prometheus",
]
#: The static operations of the core's table (no instance needed).
_StaticOperation = Literal[
    "validateConfig",
    "migrateConfig",
    "createEnterpriseConfig",
    "openStoredValue",
    "computeCharge",
]

@final
class Core:
    def __new__(
        cls,
        config_json: Optional[str] = None,
        db_path: Optional[str] = None,
        master_key: Optional[bytes] = None,
        master_key_env: Optional[str] = None,
        in_memory: bool = False,
        clock_ms: Optional[int] = None,
        gazetteer: Union[None, bool, str, "os.PathLike[str]"] = None,
    ) -> "Core": ...
    def call(
        self, op: _Operation, a: Any = None, b: Any = None, c: Any = None,
        d: Any = None, e: Any = None, f: Any = None,
    ) -> Any:
        """Runs ``op`` with its positional arguments, holding the GIL."""
    def call_blocking(
        self, op: _Operation, a: Any = None, b: Any = None, c: Any = None,
        d: Any = None, e: Any = None, f: Any = None,
    ) -> Any:
        """Runs ``op`` with the GIL released while it runs."""
    def advance_clock(self, ms: int) -> None: ...
    def now(self) -> datetime.datetime: ...
    def close(self) -> None: ...
    def rotate_master_key(self, new_key: bytes) -> int: ...
    def subscribe(
        self, kind: Optional[str], callback: Callable[[Dict[str, Any]], object]
    ) -> Subscription: ...
    def add_recognizer(
        self,
        name: str,
        recognize: Callable[[str], Iterable[Any]],
        entities: List[str],
        offsets: str = "chars",
    ) -> None:
        """Plugs in a host recognizer; see ``Pii.add_recognizer``."""
    def remove_recognizer(self, name: str) -> bool: ...

def call_static(op: _StaticOperation, a: Any = None) -> Any: ...
def _panic_for_tests(message: str) -> None: ...
def _raise_for_tests(code: str) -> None: ...
