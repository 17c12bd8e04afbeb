// A real OpenID Connect provider for MapBot's sign-in tests: the `oidc-provider` package
// (the certified Node.js implementation) with a small login page of its own.
//
// Environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (comma-separated) and
// USERS_FILE, a JSON file read at every sign-in, so a test can change a user's groups or
// disable them between sign-ins:
//   {"alice": {"password": "...", "groups": ["..."], "disabled": false, "email": "..."}}
// A disabled user is refused with `access_denied`, as a council's directory refuses a
// leaver. PKCE (S256) is required of every client.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

function users() {
  return JSON.parse(readFileSync(process.env.USERS_FILE, 'utf8'));
}

async function findAccount(ctx, id) {
  const user = users()[id];
  if (!user || user.disabled) return undefined;
  return {
    accountId: id,
    async claims() {
      return { sub: id, preferred_username: id, name: user.name ?? id,
               email: user.email ?? `${id}@council.example`, groups: user.groups ?? [] };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: process.env.REDIRECT_URIS.split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['only-for-tests'] },
  findAccount,
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, problem) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><title>Council sign-in</title></head><body>
<h1>Council sign-in</h1>${problem ? `<p role="alert">${escape(problem)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Council username <input name="login" autocomplete="username"></label>
<label>Council password <input name="password" type="password"></label>
<button type="submit">Sign in to the council</button></form></body></html>`);
}

async function formOf(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function consent(req, res, interaction) {
  // First-party: consent is given for the council, as an employer's provider does.
  const { prompt: { details }, params, session: { accountId } } = interaction;
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } },
                                     { mergeWithLastSubmission: true });
}

async function interactions(req, res) {
  const interaction = await provider.interactionDetails(req, res);
  const { uid, prompt } = interaction;
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await formOf(req);
    const login = form.get('login') ?? '';
    const user = users()[login];
    if (!user || user.password !== form.get('password')) {
      return loginPage(res, uid, 'That council username and password do not match.');
    }
    const result = user.disabled
      ? { error: 'access_denied', error_description: 'This account is disabled.' }
      : { login: { accountId: login } };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') return loginPage(res, uid);
  return consent(req, res, interaction);
}

const callback = provider.callback();
http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interactions(req, res).catch((error) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${error.message}`);
    });
  } else {
    callback(req, res);
  }
}).listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
