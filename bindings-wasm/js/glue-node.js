// The `nodejs` build of the module (CommonJS, loaded synchronously) under
// the object model.
import { createRequire } from 'node:module'
import { install } from './model.js'

install(createRequire(import.meta.url)('../pkg/node/vallum_wasm.js'))
