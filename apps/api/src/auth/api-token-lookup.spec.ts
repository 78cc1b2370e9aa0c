import { generateApiToken, hashApiToken } from '@app/core';
import { API_TOKEN_RECHECK_MS, ApiTokenLookup } from './api-token-lookup';
import { FakeApiTokenRepository } from './api-token-repository.fake';

describe(ApiTokenLookup.name, () => {
  let tokens: FakeApiTokenRepository;
  let sut: ApiTokenLookup;
  const token = hashApiToken(generateApiToken());

  beforeEach(() => {
    jest.useFakeTimers();
    tokens = new FakeApiTokenRepository();
    tokens.byHash.set(token, { id: 'tok_1', appId: 'app_1' });
    sut = new ApiTokenLookup(tokens.asRepository());
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('reads a token from Postgres once, then trusts it for a while', async () => {
    for (let i = 0; i < 5; i++) expect(await sut.findByHash(token)).toEqual({ id: 'tok_1', appId: 'app_1' });

    expect(tokens.lookups).toBe(1);
  });

  it('sees a revocation made elsewhere within API_TOKEN_RECHECK_MS', async () => {
    await sut.findByHash(token);
    tokens.byHash.delete(token);

    jest.advanceTimersByTime(API_TOKEN_RECHECK_MS);

    expect(await sut.findByHash(token)).toBeNull();
  });

  it('forgets a token revoked here, and the tokens of an application deleted here, at once', async () => {
    const other = hashApiToken(generateApiToken());
    tokens.byHash.set(other, { id: 'tok_2', appId: 'app_2' });
    await sut.findByHash(token);
    await sut.findByHash(other);
    tokens.byHash.clear();

    sut.forgetToken('tok_1');
    sut.forgetApplication('app_2');

    expect(await sut.findByHash(token)).toBeNull();
    expect(await sut.findByHash(other)).toBeNull();
  });

  it('never remembers a token it did not find, so one created a moment later works at once', async () => {
    const created = hashApiToken(generateApiToken());
    expect(await sut.findByHash(created)).toBeNull();

    tokens.byHash.set(created, { id: 'tok_3', appId: null });

    expect(await sut.findByHash(created)).toEqual({ id: 'tok_3', appId: null });
  });
});
