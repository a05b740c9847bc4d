import { loadConfig } from './config';

describe('loadConfig: share links', () => {
  it('takes an http(s) LEDGER_PUBLIC_URL without its trailing slash', () => {
    expect(loadConfig({ LEDGER_PUBLIC_URL: 'https://ledger.example.com/' }).LEDGER_PUBLIC_URL).toBe(
      'https://ledger.example.com',
    );
    expect(loadConfig({}).LEDGER_PUBLIC_URL).toBeUndefined();
  });

  it('refuses any other scheme, naming the variable', () => {
    for (const url of ['javascript:alert(1)', 'ftp://ledger.example.com', 'not a url'])
      expect(() => loadConfig({ LEDGER_PUBLIC_URL: url })).toThrow(/LEDGER_PUBLIC_URL/);
  });

  it('limits share requests to 120 per address and minute unless told otherwise', () => {
    expect(loadConfig({}).LEDGER_SHARE_RATE_LIMIT).toBe(120);
    expect(loadConfig({ LEDGER_SHARE_RATE_LIMIT: '5' }).LEDGER_SHARE_RATE_LIMIT).toBe(5);
    expect(() => loadConfig({ LEDGER_SHARE_RATE_LIMIT: '0' })).toThrow(/LEDGER_SHARE_RATE_LIMIT/);
  });
});
