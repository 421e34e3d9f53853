// CommonJS exports (node). The .wasm is read from this file's directory: Emscripten 3.1.6
// would otherwise try fetch() on a file path under node 20.
module.exports = {
  ZkwikiError,
  load(options) {
    const o = Object.assign({}, options);
    if (!o.wasmBinary && !o.instantiateWasm)
      o.wasmBinary = require('fs').readFileSync(require('path').join(__dirname, 'zkwiki.wasm'));
    return zkwikiInstantiate(createZkwikiModule, o);
  },
};
