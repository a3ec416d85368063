// IndexedDB persistence, in a real browser: what a page reload restores,
// what is stored, and what a wrong key gets.
import { check } from '../../../tests/vectors/js/check.js'
import { VECTOR_KEY } from '../../../tests/vectors/js/cases.js'

const CTX = { organization: 'acme', user: 'u1', session: 's1' }
const SECRET = 'the-plaintext-nobody-may-see-7f3a'

function rawRows(database) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(database)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const tx = open.result.transaction('rows', 'readonly')
      const req = tx.objectStore('rows').getAll()
      req.onsuccess = () => {
        open.result.close()
        resolve(req.result)
      }
      req.onerror = () => reject(req.error)
    }
  })
}

function contains(haystack, needle) {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

const utf8 = (s) => new TextEncoder().encode(s)

export const persistenceCases = [
  {
    name: 'IndexedDB: a reopened instance restores memory, audit chain and usage',
    async run({ vallum }) {
      const db = 'vallum-test-restore'
      await vallum.deleteDatabase(db)
      const a = await vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: { database: db } })
      check.ok(a.persistent)
      const m = a.memory.for(CTX)
      await m.setData('profile', { name: 'Ada', note: SECRET }, 'user')
      await m.setData('draft', 'hello', 'session')
      await m.setData('gone', 1, 'session')
      await m.removeData('gone', 'session')
      await a.costs.recordUsage({ model: 'gpt-4o', input_tokens: 1000, output_tokens: 100, attribution: { team: 'support' } })
      check.ok(a.lastSyncTime() instanceof Date)
      await a.close()

      const b = await vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: { database: db } })
      const n = b.memory.for(CTX)
      check.deepEqual(await n.getData('profile', 'user'), { name: 'Ada', note: SECRET })
      check.equal(await n.getData('draft', 'session'), 'hello')
      check.equal(await n.getData('gone', 'session'), null)
      const verified = await b.audit.verify()
      check.ok(verified.ok, JSON.stringify(verified))
      const report = await b.costs.report({ period: 'monthly' })
      check.ok(report.totalMicros > 0, JSON.stringify(report))
      // Forgetting the user deletes the rows from IndexedDB too.
      await n.forget('user')
      await b.close()
      const c = await vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: { database: db } })
      check.equal(await c.memory.for(CTX).getData('profile', 'user'), null)
      await c.close()
    },
  },
  {
    name: 'IndexedDB: rows hold neither the master key nor plaintext values',
    async run({ vallum }) {
      const db = 'vallum-test-at-rest'
      await vallum.deleteDatabase(db)
      const v = await vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: { database: db } })
      await v.memory.for(CTX).setData('k', SECRET, 'user')
      await v.close()
      const rows = await rawRows(db)
      check.ok(rows.length >= 3, `rows: ${rows.length}`)
      const key = Uint8Array.from(VECTOR_KEY.match(/../g), (h) => parseInt(h, 16))
      for (const row of rows) {
        check.ok(row instanceof Uint8Array)
        check.ok(!contains(row, key), 'a row holds the raw master key')
        check.ok(!contains(row, utf8(VECTOR_KEY)), 'a row holds the master key in hex')
        check.ok(!contains(row, utf8(btoa(String.fromCharCode(...key)))), 'a row holds the master key in base64')
        check.ok(!contains(row, utf8(SECRET)), 'a row holds a plaintext value')
      }
    },
  },
  {
    name: 'IndexedDB: a wrong master key is refused, and the rows stay intact',
    async run({ vallum }) {
      const db = 'vallum-test-wrong-key'
      await vallum.deleteDatabase(db)
      const v = await vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: { database: db } })
      await v.memory.for(CTX).setData('k', 'v', 'user')
      await v.close()
      await check.rejects(
        vallum.Vallum.open({ masterKey: crypto.getRandomValues(new Uint8Array(32)), persistence: { database: db } }),
        (e) => e instanceof vallum.VallumError && e.code === 'key_mismatch',
        'wrong key',
      )
      const again = await vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: { database: db } })
      check.equal(await again.memory.for(CTX).getData('k', 'user'), 'v')
      await again.close()
    },
  },
  {
    name: 'bad input gets typed errors',
    async run({ vallum }) {
      await check.rejects(vallum.Vallum.open({}), (e) => e.code === 'invalid_key', 'no key')
      await check.rejects(vallum.Vallum.open({ masterKey: 'abc' }), (e) => e.code === 'invalid_key', 'short key')
      await check.rejects(vallum.Vallum.open({ masterKey: new Uint8Array(32), persistence: false }), (e) => e.code === 'invalid_key' && e.message.includes('distinct'), 'weak key')
      // The caller's key bytes are never wiped (the module wipes its own copy).
      const mine = crypto.getRandomValues(new Uint8Array(32))
      const copy = Uint8Array.from(mine)
      await (await vallum.Vallum.open({ masterKey: mine, persistence: false })).close()
      check.deepEqual(Array.from(mine), Array.from(copy))
      await check.rejects(vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: 'yes' }), (e) => e.code === 'invalid_argument', 'persistence')
      await check.rejects(vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: false, config: { nope: 1 } }), (e) => e.code === 'invalid_config', 'config')
      const v = await vallum.Vallum.open({ masterKey: VECTOR_KEY, persistence: false })
      await check.rejects(v.memory.for(CTX).getData(5), (e) => e.code === 'invalid_argument' && e.message.includes('`key`'), 'key type')
      check.throws(() => v.pii.detect(null), (e) => e.code === 'invalid_argument', 'text')
    },
  },
]
