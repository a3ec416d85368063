// IndexedDB persistence for @vallum/wasm. It stores the rows the core hands
// over (sealed entries, wrapped data keys, store metadata, audit and usage
// rows) by id and reads them back on the next load. It never sees a
// plaintext value or the master key: the core encrypts before a row exists.

import { VallumError } from './shared.js'

const STORE = 'rows'

function storageError(what, e) {
  const detail = e && e.message ? e.message : String(e ?? 'unknown error')
  return new VallumError('storage_error', `IndexedDB: ${what}: ${detail}`)
}

function request(req, what) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(storageError(what, req.error))
  })
}

/**
 * Takes the exclusive Web Lock of database `name` (one writer per database:
 * another tab of this origin that holds it makes this wait up to
 * `timeoutMs`, then fail with `store_locked`). Resolves to the function that
 * releases it.
 */
export async function lockDatabase(name, timeoutMs) {
  const locks = globalThis.navigator?.locks
  if (!locks || typeof locks.request !== 'function') {
    throw new VallumError('storage_error', 'IndexedDB persistence needs the Web Locks API (navigator.locks) to keep one writer per database, and this runtime has none; pass persistence: false to keep memory in this page only')
  }
  let release
  const held = new Promise((resolve) => {
    release = resolve
  })
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), timeoutMs)
  await new Promise((resolve, reject) => {
    locks
      .request(`vallum:${name}`, { mode: 'exclusive', signal: abort.signal }, () => {
        clearTimeout(timer)
        resolve()
        return held
      })
      .catch((e) => {
        clearTimeout(timer)
        if (e && e.name === 'AbortError') {
          reject(new VallumError('store_locked', `IndexedDB database "${name}" is open in another tab or window of this browser (waited ${timeoutMs} ms); one writer per store: close it there, or give this page a database of its own (persistence: { database })`))
        } else {
          reject(storageError(`locking database "${name}"`, e))
        }
      })
  })
  return () => release()
}

/** Whether this runtime has IndexedDB. */
export function hasIndexedDB() {
  return typeof globalThis.indexedDB === 'object' && globalThis.indexedDB !== null
}

/** Opens (creating if needed) the database `name`. */
export async function openRowStore(name) {
  if (!hasIndexedDB()) {
    throw new VallumError('invalid_argument', 'invalid argument `persistence`: this runtime has no IndexedDB; pass persistence: false to keep memory in this page only')
  }
  const open = globalThis.indexedDB.open(name, 1)
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE)
  }
  const db = await request(open, `opening database "${name}"`)
  return new RowStore(db, name)
}

/** Deletes the database `name` and every row in it. */
export function deleteRowStore(name) {
  if (!hasIndexedDB()) return Promise.resolve()
  return request(globalThis.indexedDB.deleteDatabase(name), `deleting database "${name}"`).then(() => undefined)
}

class RowStore {
  constructor(db, name) {
    this.db = db
    this.name = name
  }

  /** Every row, as `[id, Uint8Array]` pairs. */
  async readAll() {
    const tx = this.db.transaction(STORE, 'readonly')
    const store = tx.objectStore(STORE)
    const [keys, values] = await Promise.all([
      request(store.getAllKeys(), 'reading row ids'),
      request(store.getAll(), 'reading rows'),
    ])
    const rows = []
    for (let i = 0; i < keys.length; i++) {
      const v = values[i]
      if (typeof keys[i] !== 'string' || !(v instanceof Uint8Array)) {
        throw new VallumError('corrupt_store', `IndexedDB database "${this.name}": row ${String(keys[i])} is not a Vallum row`)
      }
      rows.push([keys[i], v])
    }
    return rows
  }

  /** Writes `changes` (`[id, Uint8Array | null]`, null deletes) in one
   * transaction; resolves once it has committed. */
  write(changes) {
    return new Promise((resolve, reject) => {
      let tx
      try {
        tx = this.db.transaction(STORE, 'readwrite', { durability: 'strict' })
        const store = tx.objectStore(STORE)
        for (const [id, value] of changes) {
          if (value === null) store.delete(id)
          else store.put(value, id)
        }
      } catch (e) {
        reject(storageError('writing rows', e))
        return
      }
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(storageError('writing rows', tx.error))
      tx.onabort = () => reject(storageError('writing rows (transaction aborted)', tx.error))
    })
  }

  close() {
    this.db.close()
  }
}
