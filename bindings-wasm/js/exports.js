// The exports of @vallum/wasm, read once the module's glue is installed
// (node.js and browser.js import a glue file, which installs it).
import { api, ready } from './model.js'

await ready

export { VallumError } from './model.js'
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
