// Jest runs the TypeScript sources as ES modules through @swc/jest
// (NODE_OPTIONS=--experimental-vm-modules, set by `npm test`).
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", {
      jsc: { parser: { syntax: "typescript" }, target: "es2022" },
      module: { type: "es6" },
    }],
  },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  globalSetup: "<rootDir>/test/global-setup.js",
  testTimeout: 60000,
};
