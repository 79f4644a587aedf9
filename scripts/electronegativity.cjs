// Runs @doyensec/electronegativity (Electron security linter). Its dist requires `commander`
// without declaring it, expecting the v2 API; our own CLI uses commander 14, which npm hoists.
// Resolve `commander` to the v2 copy (installed as `commander-v2`) for electronegativity only.
const Module = require('node:module')

const resolve = Module._resolveFilename
Module._resolveFilename = function (request, parent, ...rest) {
  if (
    request === 'commander' &&
    parent &&
    /@doyensec[\\/]electronegativity/.test(parent.filename)
  ) {
    return resolve.call(this, 'commander-v2', parent, ...rest)
  }
  return resolve.call(this, request, parent, ...rest)
}
require('@doyensec/electronegativity/dist/index.js')
