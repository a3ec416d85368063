// The `web` build of the module, instantiated once when first imported,
// under the object model.
import init, * as glue from '../pkg/web/vallum_wasm.js'
import { install } from './model.js'

await init({ module_or_path: new URL('../pkg/web/vallum_wasm_bg.wasm', import.meta.url) })
install(glue)
