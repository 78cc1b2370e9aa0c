/** One jest run covers unit specs beside the code and end-to-end suites under test/. */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
  testEnvironment: 'node',
  maxWorkers: 2,
  testTimeout: 60000,
  moduleNameMapper: {
    '^@app/(core|config|persistence|queue|metrics|intake)(|/.*)$': '<rootDir>/libs/$1/src$2',
    '^@idem/sdk(|/.*)$': '<rootDir>/libs/sdk/src$1',
  },
};
