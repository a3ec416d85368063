// Errors of @vallum/wasm: the same codes and class shape as @vallum/node.

/** Every error code of the core (`vallum::ErrorCode`). */
export const ERROR_CODES = Object.freeze([
  'invalid_config',
  'invalid_policy',
  'invalid_argument',
  'value_too_large',
  'quota_exceeded',
  'decryption_failed',
  'key_mismatch',
  'invalid_key',
  'storage_error',
  'corrupt_store',
  'serialization_error',
  'not_found',
  'scope_disabled',
  'unknown_model',
  'budget_exceeded',
  'store_locked',
  'permission_denied',
  'conflict',
  'internal_error',
])

/** Every Vallum failure: `code` is the core's stable error code. */
export class VallumError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'VallumError'
    this.code = code
  }
}
