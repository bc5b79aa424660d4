// Forward auth with the real proxies: Debian's Caddy (forward_auth) and nginx
// (auth_request) in front of a small app on loopback, BMAuth as the auth server,
// Chromium with a virtual authenticator as the visitor. The app's hosts are
// *.localhost names, which Chromium sends to loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectAccessible, freePort, interactive, screenshot, world } from './harness.mjs';

const w = world({
  configFile: `
[[forward_auth.hosts]]
host = "app.localhost"
allow = ["*@example.com"]

[[forward_auth.hosts]]
host = "wiki.localhost"
allow = ["*@example.com"]
`,
});
const { device } = w;
const caddyBinary = process.env.CADDY ?? '/usr/bin/caddy';
const nginxBinary = process.env.NGINX ?? '/usr/sbin/nginx';

let app;
let caddy;
let nginx;

/// The protected app: says who the proxy says is asking, and what was asked.
function startApp() {
  return new Promise((ok) => {
    const server = createServer((req, res) => {
      const email = req.headers['remote-email'] ?? '(nobody)';
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><title>Protected app</title><main><h1>Protected app</h1>
        <p data-testid="who">Hello ${email.replace(/[<&"]/g, '')}</p>
        <p data-testid="path">${req.url.replace(/[<&"]/g, '')}</p></main></html>`);
    });
    server.listen(0, '127.0.0.1', () => ok({ port: server.address().port, close: () => server.close() }));
  });
}

function bmauthPort() {
  return new URL(w.server.origin).port;
}

/// Runs `binary args`, waiting until `port` answers on loopback.
async function run(binary, args, port, dir) {
  // Caddy keeps its state under XDG folders: this test's own, not the home folder.
  const env = { ...process.env, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
  const child = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill();
  throw new Error(`${binary} did not start`);
}

async function startCaddy() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bmauth-caddy-'));
  // The README's Caddy configuration, with this test's ports.
  writeFileSync(join(dir, 'Caddyfile'), `{
  admin off
  auto_https off
  storage file_system ${dir}
}

http://app.localhost:${port} {
  bind 127.0.0.1
  forward_auth 127.0.0.1:${bmauthPort()} {
    uri /auth/forward
    copy_headers Remote-User Remote-Email
  }
  reverse_proxy 127.0.0.1:${app.port}
}
`);
  const child = await run(caddyBinary, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], port, dir);
  return { origin: `http://app.localhost:${port}`, stop: () => child.kill('SIGTERM') };
}

async function startNginx() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bmauth-nginx-'));
  const bmauth = `127.0.0.1:${bmauthPort()}`;
  // The README's nginx configuration, inside a minimal nginx.conf of its own.
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    server_name wiki.localhost;

    location / {
      auth_request /bmauth-check;
      auth_request_set $bmauth_user $upstream_http_remote_user;
      auth_request_set $bmauth_email $upstream_http_remote_email;
      error_page 401 403 = @bmauth;
      proxy_set_header Remote-User $bmauth_user;
      proxy_set_header Remote-Email $bmauth_email;
      proxy_pass http://127.0.0.1:${app.port};
    }

    location = /bmauth-check {
      internal;
      proxy_pass http://${bmauth}/auth/forward/request;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host wiki.localhost:${port};
      proxy_set_header X-Forwarded-Uri $request_uri;
    }

    location @bmauth {
      rewrite ^ /auth/forward break;
      proxy_pass http://${bmauth};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host wiki.localhost:${port};
      proxy_set_header X-Forwarded-Uri $request_uri;
    }
  }
}
`);
  const child = await run(nginxBinary, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], port, dir);
  return { origin: `http://wiki.localhost:${port}`, stop: () => child.kill('SIGQUIT') };
}

before(async () => {
  await w.ready;
  assert.ok(existsSync(caddyBinary), `Caddy at ${caddyBinary} (.ci/run installs Debian's)`);
  assert.ok(existsSync(nginxBinary), `nginx at ${nginxBinary} (.ci/run installs Debian's)`);
  app = await startApp();
  caddy = await startCaddy();
  nginx = await startNginx();
});

after(() => {
  caddy?.stop();
  nginx?.stop();
  app?.close();
});

/// Keeps passkey autofill out: the virtual authenticator would accept it by itself.
async function noAutofill(page) {
  await page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
}

async function signInWithPasskey(page, email) {
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
}

test('Caddy: a visitor signs up on the way, lands where they were going, is locked out by signing out, and signs in again', async () => {
  const email = 'ana@example.com';
  const visitor = await device();
  await noAutofill(visitor.page);

  // Sent to BMAuth's sign-in, which has a way to make an account.
  await visitor.page.goto(`${caddy.origin}/reports/q3?year=2026`);
  await visitor.page.waitForURL(new RegExp(`^${w.server.origin}/auth/login\\?next=`));
  await interactive(visitor.page);
  await visitor.page.getByRole('link', { name: 'Create an account' }).click();
  await visitor.page.waitForURL(/\/auth\/register/);
  await interactive(visitor.page);
  await visitor.page.getByLabel('Email').fill(email);
  await visitor.page.getByRole('button', { name: 'Create account with passkey' }).click();
  await visitor.page.waitForURL(/\/auth\/verify/);
  await interactive(visitor.page);
  await visitor.page.getByLabel('6-digit code').fill(await w.mail.pinFor(email));

  // Back at the page asked for, through Caddy, with the app told who it is.
  await visitor.page.waitForURL(`${caddy.origin}/reports/q3?year=2026`);
  assert.equal(await visitor.page.getByTestId('who').textContent(), `Hello ${email}`);
  assert.equal(await visitor.page.getByTestId('path').textContent(), '/reports/q3?year=2026', 'the one-time code is gone from the URL');
  const cookies = await visitor.context.cookies(caddy.origin);
  const own = cookies.find((c) => c.name === 'bmauth_forward');
  assert.ok(own, 'the app host has a cookie of its own');
  assert.equal(own.httpOnly, true);
  assert.equal(own.domain, 'app.localhost', 'host-only');
  assert.ok(!cookies.some((c) => c.name === 'bmauth_session'), 'not the API session');

  // Signing out at BMAuth locks the app again.
  await visitor.page.goto(`${w.server.origin}/`);
  await visitor.page.getByRole('button', { name: 'Sign out' }).click();
  await visitor.page.waitForURL(/\/auth\/login/);
  await visitor.page.goto(`${caddy.origin}/reports/q3`);
  await visitor.page.waitForURL(new RegExp(`^${w.server.origin}/auth/login`));
  await expectAccessible(visitor.page, 'the sign-in page on the way to a protected app');
  await screenshot(visitor.page, 'forward-sign-in');

  // A passkey sign-in takes them back to it.
  await signInWithPasskey(visitor.page, email);
  await visitor.page.waitForURL(`${caddy.origin}/reports/q3`);
  assert.equal(await visitor.page.getByTestId('who').textContent(), `Hello ${email}`);
});

test('nginx: auth_request lets a signed-in person through, and signing out locks the app', async () => {
  const email = 'grace@example.com';
  const visitor = await device();
  await noAutofill(visitor.page);
  await w.signedIn(visitor.page, email);

  // Signed in at BMAuth already: through nginx at once, no form to fill.
  await visitor.page.goto(`${nginx.origin}/wiki/Start?edit=1`);
  await visitor.page.waitForURL(`${nginx.origin}/wiki/Start?edit=1`);
  assert.equal(await visitor.page.getByTestId('who').textContent(), `Hello ${email}`);

  await visitor.page.goto(`${w.server.origin}/`);
  await visitor.page.getByRole('button', { name: 'Sign out' }).click();
  await visitor.page.waitForURL(/\/auth\/login/);
  await visitor.page.goto(`${nginx.origin}/wiki/Start`);
  await visitor.page.waitForURL(new RegExp(`^${w.server.origin}/auth/login`));
  await signInWithPasskey(visitor.page, email);
  await visitor.page.waitForURL(`${nginx.origin}/wiki/Start`);
  assert.equal(await visitor.page.getByTestId('who').textContent(), `Hello ${email}`);
});

test('someone not on the list gets a page that says so, and a crafted return URL goes nowhere', async () => {
  const email = 'bob@example.org';
  const visitor = await device();
  await noAutofill(visitor.page);
  await w.signedIn(visitor.page, email);

  for (const origin of [caddy.origin, nginx.origin]) {
    const answer = await visitor.page.goto(`${origin}/`);
    assert.equal(answer.status(), 403);
    await visitor.page.getByRole('heading', { name: 'This site is not open to your account' }).waitFor();
    assert.match(await visitor.page.textContent('main'), /bob@example\.org/);
  }
  await expectAccessible(visitor.page, 'the page for someone not allowed');
  await screenshot(visitor.page, 'forward-not-allowed');

  // A link that would use BMAuth to send someone to another site: refused on BMAuth.
  const crafted = `${w.server.origin}/auth/forward/start?rd=${encodeURIComponent('http://evil.localhost:1/')}&state=abcdefghijklmnopqrstuv`;
  const refused = await visitor.page.goto(crafted);
  assert.equal(refused.status(), 403);
  assert.equal(new URL(visitor.page.url()).origin, w.server.origin, 'still on BMAuth');
  await visitor.page.getByRole('heading', { name: 'Not a site this sign-in looks after' }).waitFor();
});
