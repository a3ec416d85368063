// @vallum/wasm in the browser (and bundlers): the `web` build of the module,
// instantiated once when this module is first imported.
import init, * as glue from '../pkg/web/vallum_wasm.js'
import { makeApi } from './model.js'

export { VallumError } from './model.js'

await init({ module_or_path: new URL('../pkg/web/vallum_wasm_bg.wasm', import.meta.url) })

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
