/** The console suite's browser check: a skip says why, and where Chromium is required its absence fails. */
describe('chromium (test support)', () => {
  const saved = { path: process.env.TEST_CHROMIUM_PATH, required: process.env.TEST_REQUIRE_CHROMIUM };

  afterEach(() => {
    for (const [name, value] of [['TEST_CHROMIUM_PATH', saved.path], ['TEST_REQUIRE_CHROMIUM', saved.required]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  function load(env: { TEST_CHROMIUM_PATH: string; TEST_REQUIRE_CHROMIUM?: string }): typeof import('./chromium') {
    // CI itself runs with TEST_REQUIRE_CHROMIUM=true: each case says what it wants.
    delete process.env.TEST_REQUIRE_CHROMIUM;
    Object.assign(process.env, env);
    let loaded: typeof import('./chromium') | undefined;
    jest.isolateModules(() => {
      loaded = jest.requireActual<typeof import('./chromium')>('./chromium');
    });
    return loaded!;
  }

  it('says why the console cannot be tested when the browser is missing', () => {
    const sut = load({ TEST_CHROMIUM_PATH: '/nonexistent/chromium' });

    expect(sut.chromiumAvailable).toBe(false);
    expect(sut.chromiumMissing).toBe('/nonexistent/chromium is missing (apt-get install -y chromium; .ci/run installs it)');
  });

  it('refuses to skip where Chromium is required, as in CI', () => {
    expect(() => load({ TEST_CHROMIUM_PATH: '/nonexistent/chromium', TEST_REQUIRE_CHROMIUM: 'true' })).toThrow(
      'TEST_REQUIRE_CHROMIUM=true, but /nonexistent/chromium is missing',
    );
  });

  it('finds a browser that is there', () => {
    const sut = load({ TEST_CHROMIUM_PATH: process.execPath, TEST_REQUIRE_CHROMIUM: 'true' });

    expect([sut.chromiumAvailable, sut.chromiumMissing]).toEqual([true, undefined]);
  });
});
