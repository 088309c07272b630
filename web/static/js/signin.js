// signin.js: sign in with a key file (the token is signed here) or a
// token made by "truce token"; sign out.
import { token, setToken, whoami, logOrigin, $, el, ready } from './app.js';
import { readKeyFile, signToken, tokenClaims } from './keys.js';

const state = $('#signin-state');

async function show(note) {
  const t = token();
  if (!t) { state.textContent = note || 'You see the public view.'; state.dataset.role = 'public'; return; }
  const w = await whoami();
  let claims = {};
  try { claims = tokenClaims(t); } catch (e) { /* shown below */ }
  state.dataset.role = w.role;
  state.dataset.member = w.member || claims.member || '';
  if (w.member) state.replaceChildren(el('strong', {}, `Signed in as ${w.member}`), ` (${w.role}); the token expires ${new Date(claims.exp * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
  else if (w.error) state.replaceChildren(el('strong', { class: 'error' }, 'The server refused the token: '), w.error);
  else state.replaceChildren(`Token for ${claims.member || '?'} kept for this tab; this server does not say whom it takes you for (no /v1/whoami).`);
}

$('#keyfile').addEventListener('change', async e => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try {
    const [k, origin] = await Promise.all([readKeyFile(file), logOrigin()]);
    if (k.log && k.log !== origin) throw new Error(`the key is for the log ${k.log}, and this is ${origin}`);
    setToken(await signToken(k, origin));
    await show();
    location.reload();
  } catch (err) {
    state.replaceChildren(el('strong', { class: 'error' }, 'Could not sign in: '), err.message);
  }
});

$('#use-token').addEventListener('click', async () => {
  const t = $('#token-input').value.trim();
  try { tokenClaims(t); } catch (e) { state.textContent = 'That is not a Truce token.'; return; }
  setToken(t);
  location.reload();
});

$('#signout').addEventListener('click', () => { setToken(''); location.reload(); });

show().then(ready);
