// The module has no main(): its entry points are the C ABI (abi.h). This file only gives the
// executable target a translation unit of its own.
