// Types of @vallum/wasm. The client interface shared with @vallum/node is
// in client.d.ts (copied from bindings-node/ at build time).
import type { JsonObject, VallumClient } from './client.js'

export * from './client.js'

export interface VallumOpenOptions {
  /** The 32-byte master key, or 64 hex digits. Supplied by the application; never stored. */
  masterKey: Uint8Array | string
  /** The configuration: an object (the spec's `AICopilotConfig`) or its JSON text. */
  config?: JsonObject | string
  /** IndexedDB database for memory across page loads (default "vallum" where IndexedDB exists); false: this page only. */
  persistence?: false | { database?: string }
  /** Run on a manual clock starting here (epoch ms); move it with `advanceClock`. */
  clockMs?: number
  /**
   * The gazetteer pack names and places are looked up in. Default: the
   * package's English pack (`pkg/data/gazetteer-en.txt`), fetched once per
   * page and kept in the Cache API. A URL or `{ text }`: another pack;
   * `false`: the rules alone. A pack that cannot be loaded fails with `not_found`.
   */
  gazetteer?: false | string | URL | { text: string }
}

/** One Vallum instance over the WebAssembly core. */
export interface Vallum extends VallumClient {}
export declare class Vallum implements VallumClient {
  /** Opens an instance, restoring memory from IndexedDB. */
  static open(options: VallumOpenOptions): Promise<Vallum>
  private constructor()
  /** Moves a manual clock (an instance opened with `clockMs`) forward. */
  advanceClock(ms: number): void
  /** Resolves once every change so far is committed to IndexedDB. */
  flush(): Promise<void>
  /** When IndexedDB last committed a write in this page (null: not yet). */
  lastSyncTime(): Date | null
  /** Calls `listener` after each committed write; returns the unsubscribe function. */
  onSync(listener: () => void): () => void
  /** Whether memory persists to IndexedDB. */
  readonly persistent: boolean
  /** Writes what is pending and closes the database; the instance is then unusable. */
  close(): Promise<void>
}

/** Deletes an IndexedDB database and every row in it (e.g. at sign-out). */
export declare function deleteDatabase(name: string): Promise<void>
/** @internal Test hook: a panic inside the module. */
export declare function _panicForTests(message: string): void
