// The package under test: VALLUM_WASM_PACKAGE points at an installed copy
// (scripts/test.sh installs the `npm pack` tarball into a fresh project);
// without it, this checkout.
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const pkgDir = process.env.VALLUM_WASM_PACKAGE ?? path.resolve(here, '..')
export const VECTORS = path.resolve(here, '..', '..', 'tests', 'vectors')
export const vallum = await import(pathToFileURL(path.join(pkgDir, 'js', 'node.js')).href)
