// Two projects: `unit` (logic and components, miniprogram-simulate on jsdom) and `e2e` (the
// API layer under Node against a served Galleria; tests/miniprogram/ starts the server).
const ts = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] };
module.exports = {
  projects: [
    { displayName: 'unit', testEnvironment: 'jsdom', transform: ts,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'], moduleFileExtensions: ['ts', 'js', 'json'] },
    { displayName: 'e2e', testEnvironment: 'node', transform: ts,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], moduleFileExtensions: ['ts', 'js', 'json'] },
  ],
};
