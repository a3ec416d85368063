// @vallum/wasm in the browser (and bundlers): the `web` build of the module,
// instantiated once when this module is first imported.
import './glue-web.js'
export * from './exports.js'
