// Errors of @vallum/wasm: the same class shape as @vallum/node; the codes
// come from the core (`ERROR_CODES`, `errorCodes()`).

/** Every Vallum failure: `code` is the core's stable error code. */
export class VallumError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'VallumError'
    this.code = code
  }
}
