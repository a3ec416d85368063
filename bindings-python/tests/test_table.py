"""The Python layer against the core's operation table (bindings-node/ops.json,
generated from core/src/api/ops.rs): the stubs declare exactly its
operations, and the object model reaches every one of them."""

import ast
import json
import pathlib

import vallum

ROOT = pathlib.Path(__file__).resolve().parents[2]
OPS = json.loads((ROOT / "bindings-node" / "ops.json").read_text())
PKG = pathlib.Path(vallum.__file__).parent

#: Operations the Python object model does not run through the table, and why.
NATIVE = {
    "now": "Core.now returns an aware datetime",
    "rotateMasterKey": "Core.rotate_master_key takes bytes and wipes its copy",
    "pii.detectPII": "the JavaScript spec's PIIDetectionResult shape; Python has pii.detect",
}


def literal(stub: str, name: str) -> list:
    for node in ast.parse(stub).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == name:  # type: ignore[attr-defined]
            return [e.value for e in node.value.slice.elts]  # type: ignore[attr-defined]
    raise AssertionError(f"_vallum.pyi has no {name}")


def test_stubs_declare_exactly_the_table():
    stub = (PKG / "_vallum.pyi").read_text()
    assert literal(stub, "_Operation") == [o["name"] for o in OPS["operations"]]
    assert literal(stub, "_StaticOperation") == [o["name"] for o in OPS["statics"]]


def test_every_operation_fits_the_extensions_argument_slots():
    # Core.call has six positional slots and call_static one (no *args
    # tuple per call): an operation with more parameters needs more slots.
    assert max(len(o["params"]) for o in OPS["operations"]) <= 6
    assert max(len(o["params"]) for o in OPS["statics"]) <= 1


def test_the_object_model_runs_every_operation():
    tree = ast.parse((PKG / "__init__.py").read_text())
    called = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("call", "call_blocking", "call_static") and node.args
                and isinstance(node.args[0], ast.Constant)):
            called.add(node.args[0].value)
    table = {o["name"] for o in OPS["operations"] + OPS["statics"]}
    assert called <= table, called - table
    assert table - called == set(NATIVE), table - called


def test_unknown_operations_and_bad_arguments_are_typed_errors():
    v = vallum.Vallum(master_key=bytes(range(32)), in_memory=True)
    core = v._core
    try:
        core.call("nope")
    except vallum.InvalidArgument as e:
        assert "`nope` is not an operation" in str(e)
    else:
        raise AssertionError("no error")
    try:
        core.call("pii.validate", "CREDIT_CARD")
    except vallum.InvalidArgument as e:
        assert "`value`" in str(e) and "required" in str(e), e
    else:
        raise AssertionError("no error")
    try:
        core.call("pii.validate", "CREDIT_CARD", "4111", "extra")
    except vallum.InvalidArgument as e:
        assert "takes 2 arguments" in str(e), e
    else:
        raise AssertionError("no error")
    # Defaults come from the core: compliance.check → gdpr, memory export → user.
    assert v.compliance.check()["framework"] == v.compliance.check("gdpr")["framework"]
