// keys.js: a member's key file in the browser, and what it signs: tokens
// and statements. The key file is read here and never sent; its seed is
// imported into WebCrypto as a non-extractable Ed25519 key and the file's
// text is dropped.
import { b64decode, b64encode } from './verify.js';

const enc = new TextEncoder();

/** b64url encodes bytes as unpadded base64url. */
export function b64url(bytes) { return b64encode(bytes).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''); }

/**
 * readKeyFile reads a Truce key file ({"type":"truce-ed25519-key-v1",
 * "member","key_id","log","seed"}) and returns {member, keyId, log, key}
 * with key a non-extractable CryptoKey.
 */
export async function readKeyFile(file) {
  let k;
  try { k = JSON.parse(await file.text()); } catch (e) { throw new Error('this file is not a Truce key file (not JSON)'); }
  if (k.type !== 'truce-ed25519-key-v1' || !k.member || !k.key_id || !k.seed) throw new Error('this file is not a Truce key file');
  const seed = b64decode(k.seed);
  if (seed.length !== 32) throw new Error('the key file\'s seed is not 32 bytes');
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed]);
  let key;
  try {
    key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  } catch (e) {
    throw new Error('this browser cannot sign with Ed25519 keys (WebCrypto); use the command line instead');
  } finally {
    seed.fill(0); pkcs8.fill(0);
  }
  return { member: k.member, keyId: k.key_id, log: k.log || '', key };
}

async function sign(key, bytes) { return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, bytes)); }

/**
 * signToken makes a bearer token: "truce1." + base64url(claims) + "." +
 * base64url(Ed25519 over "truce-token-v1\n" + claims), with claims
 * {log, member, key, iat, exp}.
 */
export async function signToken(k, origin, hours = 8) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = enc.encode(JSON.stringify({ log: origin, member: k.member, key: k.keyId, iat, exp: iat + hours * 3600 }));
  const sig = await sign(k.key, new Uint8Array([...enc.encode('truce-token-v1\n'), ...claims]));
  return `truce1.${b64url(claims)}.${b64url(sig)}`;
}

/** tokenClaims decodes a token's claims, without checking it. */
export function tokenClaims(token) {
  const part = (token.split('.')[1] || '').replaceAll('-', '+').replaceAll('_', '/');
  return JSON.parse(new TextDecoder().decode(b64decode(part + '='.repeat((4 - part.length % 4) % 4))));
}

export const payloadType = 'application/vnd.truce.statement.v1+json';

/** pae is the DSSE pre-authentication encoding. */
function pae(type, payload) {
  const t = enc.encode(type);
  return new Uint8Array([...enc.encode(`DSSEv1 ${t.length} `), ...t, ...enc.encode(` ${payload.length} `), ...payload]);
}

/**
 * signStatement returns the DSSE envelope of a statement of kind with body,
 * by the key's member, for the log origin, claiming the current time.
 */
export async function signStatement(k, origin, kind, body) {
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const payload = enc.encode(JSON.stringify({ kind, log: origin, signer: k.member, time, body }));
  const sig = await sign(k.key, pae(payloadType, payload));
  return { payloadType, payload: b64encode(payload), signatures: [{ keyid: k.keyId, sig: b64encode(sig) }] };
}
