"""Encrypted memory per scope, on a SQLite file.

Session, user, organization and global scopes; ``resolve`` picks the most
specific one; TTLs expire; a data-subject export and a crypto-shredding
``forget``; the file survives a restart and refuses the wrong key.

    python examples/python/memory_scopes.py [path/to/memory.db]
"""

from __future__ import annotations

import os
import sys
import tempfile

import vallum

# The master key: 32 bytes from a CSPRNG, kept in your secret store. Here:
# VALLUM_MASTER_KEY (64 hex digits) if set, else a fresh key for this run.
MASTER_KEY = bytes.fromhex(os.environ.get("VALLUM_MASTER_KEY", "")) or os.urandom(32)


def main(db_path: str) -> None:
    alice = {"organization": "acme", "user": "alice", "session": "chat-42"}
    bob = {"organization": "acme", "user": "bob", "session": "chat-7"}
    t0 = 1_767_225_600_000  # a manual clock, so the TTL below can pass instantly

    # Global memory is read by every organization; only a context the host
    # grants "memory:global:write" may change it.
    platform = {"organization": "platform", "permissions": ["memory:global:write"]}

    with vallum.Vallum(db_path=db_path, master_key=MASTER_KEY, clock_ms=t0) as v:
        v.memory.set(platform, "global", "tone", "formal")
        v.memory.set(alice, "organization", "tone", "friendly")
        v.memory.set(alice, "user", "tone", "concise", tags=["prefs"])
        v.memory.set(alice, "session", "draft", {"to": "jane@example.com", "lines": 3}, ttl=60_000)
        v.memory.set_batch(bob, "user", {"tone": "chatty", "language": "de"})

        print("alice's tone:", v.memory.resolve(alice, "tone"))
        print("bob's tone:  ", v.memory.resolve(bob, "tone"))
        entry = v.memory.get_entry(alice, "session", "draft")
        assert entry is not None
        print("draft expires at", entry["expiresAt"].isoformat(), "encrypted:", entry["encrypted"])
        v.advance_clock(61_000)
        print("after a minute, draft =", v.memory.get(alice, "session", "draft"))

        export = v.memory.export(alice, "user")
        print("alice's export:", [(e["scope"], e["key"]) for e in export["entries"]])
        print("scope usage:", {s["scope"]: s["entries"] for s in v.memory.stats()})
        print("forget alice:", v.memory.forget(alice, "user"))
        assert v.memory.get(alice, "user", "tone") is None
        assert v.memory.get(bob, "user", "language") == "de"

    again = vallum.Vallum(db_path=db_path, master_key=MASTER_KEY)
    print("after restart, bob's language =", again.memory.get(bob, "user", "language"))
    try:
        vallum.Vallum(db_path=db_path, master_key=MASTER_KEY)
    except vallum.StoreLocked as e:
        print(f"a second instance is refused while the first is open: {e.code}")
    print("audit intact:", again.audit.verify()["ok"])
    again.close()
    try:
        vallum.Vallum(db_path=db_path, master_key=os.urandom(32))
    except vallum.VallumError as e:
        print(f"wrong key refused: {type(e).__name__} ({e.code})")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as d:
            main(os.path.join(d, "memory.db"))
