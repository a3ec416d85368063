// @vallum/wasm in Node: the `nodejs` build of the module. Memory stays in
// the process unless a global `indexedDB` exists.
import './glue-node.js'
export * from './exports.js'
