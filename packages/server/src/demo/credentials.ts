/**
 * The demo consumer's credentials. Public by design (SPEC §10: `GET /demo/credentials`
 * hands them to anyone): they open only the demo consumer's own demo data. Never enable
 * the demo on a provider with real data of the `demo` consumer.
 */
export const DEMO_CONSUMER_ID = 'demo';

export const DEMO_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg2Y4LCYagvWGwhxOi
H5Z94+zIm4PG85LRmoXl9D3cGyehRANCAAQHOxX6gxzxx19RBKhIOtjZQH+iY+Ri
DKfD2SC4N4updSmJmLJDUbdjdX5tXxi3PRyA0v3Ph30RcQLbX67jRSea
-----END PRIVATE KEY-----
`;

export const DEMO_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBzsV+oMc8cdfUQSoSDrY2UB/omPk
Ygynw9kguDeLqXUpiZiyQ1G3Y3V+bV8Ytz0cgNL9z4d9EXEC21+u40Unmg==
-----END PUBLIC KEY-----
`;

export const DEMO_CALLBACK_SECRET = 'whsec_5WW9UhZQ0MTsjFLJCwgsHWdQGTVf25w3';

export function demoCredentials(audience: string) {
  return {
    consumerId: DEMO_CONSUMER_ID,
    payload: { sub: DEMO_CONSUMER_ID, aud: audience },
    privateKey: DEMO_PRIVATE_KEY,
    callbackSecret: DEMO_CALLBACK_SECRET,
  };
}
