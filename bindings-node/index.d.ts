// Types of @vallum/node. The client interface shared with the browser
// package is in client.d.ts; this file declares the Node implementation.
import type { JsonObject, VallumClient } from './client'

export * from './client'

export interface VallumOptions {
  /** The configuration: an object (the spec's `AICopilotConfig`) or its JSON text. */
  config?: JsonObject | string
  /** A SQLite file (created if missing); omitted: in-memory storage. */
  dbPath?: string
  /** The 32-byte master key, or 64 hex digits, from a CSPRNG (`crypto.randomBytes(32)`)
   * kept in your secret store. Keys with fewer than 12 distinct byte values
   * (all zeros, a repeated byte) are refused with `invalid_key`. A SQLite file
   * opens in one instance at a time: a second one gets `store_locked`. */
  masterKey?: Uint8Array | string
  /** The name of an environment variable holding the master key (hex or base64). */
  masterKeyEnv?: string
  /** Run on a manual clock starting here (epoch ms); move it with `advanceClock`. */
  clockMs?: number
  /**
   * The gazetteer pack names and places are looked up in. Default: the
   * built-in English pack. A file path (or `file:` URL) or `{ text }`:
   * another pack (docs/pii.md); `false`: the rules alone.
   */
  gazetteer?: boolean | string | URL | { text: string }
}

/** One Vallum instance over the native core: the `VallumClient` members
 * (merged in from the interface of the same name) plus Node-only ones. */
export interface Vallum extends VallumClient {}
export declare class Vallum implements VallumClient {
  constructor(options?: VallumOptions)
  /** Moves a manual clock (an instance built with `clockMs`) forward. */
  advanceClock(ms: number): void
}

/** @internal Test hook: a panic inside the addon. */
export declare function _panicForTests(message: string, runAsync: boolean): void | Promise<never>
