// @vallum/wasm in Node: the `nodejs` build of the module (CommonJS, loaded
// synchronously). Memory stays in the process unless a global `indexedDB`
// exists.
import { createRequire } from 'node:module'
import { makeApi } from './model.js'

export { VallumError } from './model.js'

const glue = createRequire(import.meta.url)('../pkg/node/vallum_wasm.js')
const api = makeApi(glue)

export const {
  Vallum,
  ERROR_CODES,
  errorCodes,
  ENTITIES,
  VERSION,
  validateConfig,
  validatePhase5Config,
  migrateConfig,
  migrateToPhase5,
  createEnterpriseConfig,
  computeCharge,
  openStoredValue,
  deleteDatabase,
  _panicForTests,
} = api
