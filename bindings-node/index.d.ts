// Types of @vallum/node. The client interface shared with the browser
// package is in client.d.ts; this file declares the Node implementation.
import type {
  Charge,
  ConfigValidation,
  ErrorCode,
  Json,
  JsonObject,
  MemoryScope,
  Usage,
  VallumClient,
} from './client'

export * from './client'

/** Every Vallum failure. `code` is the core's stable error code. */
export declare class VallumError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string)
}

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
}

/** One Vallum instance over the native core: the `VallumClient` members
 * (merged in from the interface of the same name) plus Node-only ones. */
export interface Vallum extends VallumClient {}
export declare class Vallum implements VallumClient {
  constructor(options?: VallumOptions)
  /** Moves a manual clock (an instance built with `clockMs`) forward. */
  advanceClock(ms: number): void
}

/** The stored value the crypto known-answer vectors describe. */
export interface StoredValue {
  masterKey: string
  scope: MemoryScope
  owner: string
  key: string
  dataKeyId: number
  /** Hex. */
  wrappedDataKey: string
  /** Hex. */
  storedValue: string
}

/** Every error code of the core, in its order. */
export declare const ERROR_CODES: readonly ErrorCode[]
/** The core's error codes (a fresh array). */
export declare function errorCodes(): ErrorCode[]
/** The PII entity types the detector implements. */
export declare const ENTITIES: readonly string[]
export declare const VERSION: string
/** Every error of a configuration, with its JSON path. */
export declare function validateConfig(config: JsonObject | string): ConfigValidation
/** The spec's name for `validateConfig`. */
export declare function validatePhase5Config(config: JsonObject | string): ConfigValidation
/** A base configuration migrated to a full one. */
export declare function migrateConfig(config: JsonObject): JsonObject
/** The spec's name for `migrateConfig`. */
export declare function migrateToPhase5(config: JsonObject): JsonObject
/** A complete enterprise configuration from a partial one. */
export declare function createEnterpriseConfig(config?: JsonObject): JsonObject
/** The price of `usage` from the bundled catalog; `costPicos` is a string. */
export declare function computeCharge(usage: Usage): Charge & { costPicos: string }
/** Opens one stored value (the storage format's known-answer procedure). */
export declare function openStoredValue(stored: StoredValue): Json
/** @internal Test hook: a panic inside the addon. */
export declare function _panicForTests(message: string, runAsync: boolean): void | Promise<never>
