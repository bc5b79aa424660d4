// BMAuth as seen by a standard OpenID Connect client: Node's openid-client (v6)
// with a confidential client (client_secret_basic) registered by `bmauth clients
// add`. Discovery, the code flow with PKCE through a signed-in Chromium device,
// the ID token checked again on its own with jose against the JWKS, userinfo,
// refresh tokens (rotated; an old one presented again revokes the family), and
// revocation of an access token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { world } from './harness.mjs';

/// The app's callback: a real HTTP server on loopback that records where browsers
/// arrived (a redirect leaves the browser; no interception follows it).
const arrived = [];
const theApp = createServer((request, response) => {
  if (new URL(request.url, 'http://localhost').pathname === '/callback') arrived.push(request.url);
  response.writeHead(200, { 'content-type': 'text/html' });
  response.end('<!doctype html><meta charset="utf-8"><title>Acme Reports</title><p>Back at Acme Reports</p>');
});
await new Promise((ok) => theApp.listen(0, '127.0.0.1', ok));
after(() => theApp.close());
const CALLBACK = `http://localhost:${theApp.address().port}/callback`;

const w = world();
const rp = {};

before(async () => {
  await w.ready;
  const added = await w.server.cli(['clients', 'add', '--name', 'Acme Reports', '--redirect-uri', CALLBACK]);
  rp.clientId = added.match(/^client_id=(\S+)$/m)?.[1];
  rp.secret = added.match(/^client_secret=(\S+)$/m)?.[1];
  assert.ok(rp.clientId && rp.secret, `client_id and client_secret from \`bmauth clients add\`:\n${added}`);
  rp.config = await client.discovery(new URL(w.server.origin), rp.clientId, undefined,
    client.ClientSecretBasic(rp.secret), { execute: [client.allowInsecureRequests] });
});

/// One authorization through the device's browser: the redirect that came back.
async function authorize(page, params, { consent }) {
  const before = arrived.length;
  await page.goto(client.buildAuthorizationUrl(rp.config, { redirect_uri: CALLBACK, ...params }).href);
  if (consent) {
    await page.waitForURL(`${w.server.origin}/auth/consent?**`);
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.waitForURL(`${CALLBACK}?**`);
  assert.equal(arrived.length, before + 1);
  return new URL(arrived.at(-1), CALLBACK);
}

/// What an OAuth error response from the provider said, for assert.rejects.
const oauthError = (error) => (e) => {
  assert.equal(e.error, error, `${e.name}: ${e.message} (${e.status ?? ''} ${JSON.stringify(e.cause ?? '')})`);
  return true;
};

test('discovery says what BMAuth is', () => {
  const meta = rp.config.serverMetadata();
  const at = (path) => new URL(path, w.server.origin).href;
  assert.equal(meta.issuer, `${w.server.origin}/`);
  assert.equal(meta.authorization_endpoint, at('/oauth/authorize'));
  assert.equal(meta.token_endpoint, at('/oauth/token'));
  assert.equal(meta.userinfo_endpoint, at('/oauth/userinfo'));
  assert.equal(meta.jwks_uri, at('/oauth/jwks'));
  assert.equal(meta.revocation_endpoint, at('/oauth/revoke'));
  assert.equal(meta.end_session_endpoint, at('/oauth/logout'));
  assert.ok(meta.id_token_signing_alg_values_supported.includes('ES256'));
  assert.ok(meta.code_challenge_methods_supported.includes('S256'));
  for (const grant of ['authorization_code', 'refresh_token']) {
    assert.ok(meta.grant_types_supported.includes(grant), grant);
  }
  for (const scope of ['openid', 'email', 'offline_access']) {
    assert.ok(meta.scopes_supported.includes(scope), scope);
  }
  assert.ok(meta.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
});

test('code flow with PKCE, the ID token checked with jose, userinfo, rotated refresh tokens', async () => {
  const email = 'curie@example.com';
  const d = await w.device();
  await w.signedIn(d.page, email);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const back = await authorize(d.page, {
    scope: 'openid email offline_access', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }, { consent: true });
  assert.equal(back.searchParams.get('state'), state);

  const tokens = await client.authorizationCodeGrant(rp.config, back, {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
  });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.access_token, 'an access token');
  assert.ok(tokens.refresh_token, 'a refresh token (offline_access)');

  // The ID token, checked again by jose alone against the published keys.
  const meta = rp.config.serverMetadata();
  const keys = createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(tokens.id_token, keys, {
    algorithms: ['ES256'], issuer: meta.issuer, audience: rp.clientId,
  });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.ok(protectedHeader.kid, 'the key is named');
  assert.equal(payload.nonce, nonce);
  assert.ok(payload.amr.includes('hwk'), `amr ${JSON.stringify(payload.amr)}`);
  assert.equal(payload.email, email);
  assert.equal(payload.email_verified, true);
  assert.ok(payload.sub);
  assert.equal(tokens.claims().sub, payload.sub);
  assert.ok(payload.exp > Date.now() / 1000);

  const info = await client.fetchUserInfo(rp.config, tokens.access_token, payload.sub);
  assert.equal(info.email, email);
  assert.equal(info.email_verified, true);

  // A refresh gives a new refresh token (rotation) and a working access token.
  const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token);
  assert.ok(refreshed.refresh_token, 'a new refresh token');
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  assert.equal((await client.fetchUserInfo(rp.config, refreshed.access_token, payload.sub)).email, email);
  if (refreshed.id_token) {
    const again = await jwtVerify(refreshed.id_token, keys, {
      algorithms: ['ES256'], issuer: meta.issuer, audience: rp.clientId,
    });
    assert.equal(again.payload.sub, payload.sub);
  }

  // The old one again (as a thief replaying it would): refused, and the newer one
  // of its family dies with it.
  await assert.rejects(client.refreshTokenGrant(rp.config, tokens.refresh_token), oauthError('invalid_grant'));
  await assert.rejects(client.refreshTokenGrant(rp.config, refreshed.refresh_token), oauthError('invalid_grant'));
});

test('a revoked access token no longer opens userinfo; no refresh token without offline_access', async () => {
  const email = 'lovelace@example.com';
  const d = await w.device({ width: 390, height: 844 });
  await w.signedIn(d.page, email);

  /// Signs in to the app: the tokens its code gave.
  const signIn = async (consent) => {
    const [verifier, state, nonce] = [client.randomPKCECodeVerifier(), client.randomState(), client.randomNonce()];
    const back = await authorize(d.page, {
      scope: 'openid email', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, { consent });
    return client.authorizationCodeGrant(rp.config, back, {
      pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
    });
  };
  let tokens = await signIn(true);
  assert.equal(tokens.refresh_token, undefined, 'no refresh token: offline_access was not asked for');
  const sub = tokens.claims().sub;
  const userinfo = (token) => fetch(rp.config.serverMetadata().userinfo_endpoint, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal((await userinfo(tokens.access_token)).status, 200);

  await client.tokenRevocation(rp.config, tokens.access_token, { token_type_hint: 'access_token' });
  const refused = await userinfo(tokens.access_token);
  assert.equal(refused.status, 401);
  await assert.rejects(client.fetchUserInfo(rp.config, tokens.access_token, sub));

  // A token BMAuth never issued: revocation still answers 200 (RFC 7009 §2.2).
  await client.tokenRevocation(rp.config, 'not-a-token-bmauth-issued');

  // The next sign-in to the same app: no consent page, and its token works.
  tokens = await signIn(false);
  assert.equal(decodeJwt(tokens.id_token).sub, sub);
  assert.equal((await userinfo(tokens.access_token)).status, 200);
});

test('an app registered for RS256 gets RS256 ID tokens, which jose verifies against the JWKS', async () => {
  const added = await w.server.cli(['clients', 'add', '--name', 'Legacy Portal',
    '--redirect-uri', CALLBACK, '--id-token-alg', 'RS256']);
  const clientId = added.match(/^client_id=(\S+)$/m)?.[1];
  const secret = added.match(/^client_secret=(\S+)$/m)?.[1];
  const config = await client.discovery(new URL(w.server.origin), clientId, {
    id_token_signed_response_alg: 'RS256',
  }, client.ClientSecretPost(secret), { execute: [client.allowInsecureRequests] });
  assert.ok(config.serverMetadata().id_token_signing_alg_values_supported.includes('RS256'));

  const d = await w.device();
  await w.signedIn(d.page, 'hopper@example.com');
  const [verifier, state, nonce] = [client.randomPKCECodeVerifier(), client.randomState(), client.randomNonce()];
  const before = arrived.length;
  await d.page.goto(client.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK, scope: 'openid email', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }).href);
  await d.page.waitForURL(`${w.server.origin}/auth/consent?**`);
  await d.page.getByRole('button', { name: 'Continue' }).click();
  await d.page.waitForURL(`${CALLBACK}?**`);
  assert.equal(arrived.length, before + 1);
  const tokens = await client.authorizationCodeGrant(config, new URL(arrived.at(-1), CALLBACK), {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
  });
  const meta = config.serverMetadata();
  const { payload, protectedHeader } = await jwtVerify(tokens.id_token,
    createRemoteJWKSet(new URL(meta.jwks_uri)), {
      algorithms: ['RS256'], issuer: meta.issuer, audience: clientId,
    });
  assert.equal(protectedHeader.alg, 'RS256');
  assert.equal(payload.email, 'hopper@example.com');
  // Only RS256 for this app: the same token refused under ES256 alone.
  await assert.rejects(jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(meta.jwks_uri)), {
    algorithms: ['ES256'], issuer: meta.issuer, audience: clientId,
  }));
});
