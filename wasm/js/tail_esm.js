// ES module exports (browsers, Web Workers). The .wasm is fetched next to this file unless
// `wasmBinary` or `locateFile` says otherwise.
export { ZkwikiError };
export function load(options) { return zkwikiInstantiate(createZkwikiModule, options); }
