// verify.js: checks, in the browser and with WebCrypto only, that a
// statement is in the log: its bytes hash to its id, the RFC 6962
// inclusion proof of its receipt leads from its leaf to the root of a
// checkpoint, and the checkpoint is a signed note by the log's key
// (C2SP signed-note, Ed25519).
//
// It trusts nothing the server says about the result: only the hashes and
// the signature. The verifier key comes from /log/vkey, which a careful
// reader compares with the key the deployment publishes elsewhere.

const enc = new TextEncoder();

export function b64decode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function b64encode(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function hex(bytes) { return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join(''); }

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
}

function equal(a, b) { return a.length === b.length && a.every((v, i) => v === b[i]); }

export async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)); }

const leafHash = entry => sha256(concat(new Uint8Array([0]), entry));
const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));

/**
 * rootFromInclusionProof computes the root of a tree of size from the leaf
 * hash at index and its audit path (RFC 9162, section 2.1.3.2), or throws.
 */
export async function rootFromInclusionProof(index, size, leaf, proof) {
  if (!(index < size)) throw new Error(`index ${index} is not below the tree size ${size}`);
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (p.length !== 32) throw new Error('a proof hash is not 32 bytes');
    if (sn === 0) throw new Error('the proof is longer than the tree is deep');
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error('the proof is shorter than the tree is deep');
  return r;
}

/** parseCheckpoint splits a signed note into its checkpoint and signatures. */
export function parseCheckpoint(note) {
  const i = note.indexOf('\n\n');
  if (i < 0) throw new Error('the checkpoint is not a signed note');
  const text = note.slice(0, i + 1);
  const lines = text.split('\n');
  if (lines.length < 4) throw new Error('the checkpoint has fewer than three lines');
  const size = Number(lines[1]);
  if (!/^\d+$/.test(lines[1]) || !Number.isSafeInteger(size)) throw new Error('the checkpoint size is not a number');
  const sigs = [];
  for (const line of note.slice(i + 2).split('\n')) {
    if (!line) continue;
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error('a signature line is malformed');
    const raw = b64decode(m[2]);
    sigs.push({ name: m[1], keyHash: hex(raw.slice(0, 4)), sig: raw.slice(4) });
  }
  return { text, origin: lines[0], size, root: b64decode(lines[2]), extra: lines.slice(3, -1), signatures: sigs };
}

/** parseVerifierKey reads a signed-note verifier key "name+hash+base64". */
export function parseVerifierKey(vkey) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(vkey.trim());
  if (!m) throw new Error('the verifier key is malformed');
  const raw = b64decode(m[3]);
  if (raw[0] !== 1 || raw.length !== 33) throw new Error('the verifier key is not an Ed25519 key');
  return { name: m[1], keyHash: m[2], pub: raw.slice(1), raw };
}

/**
 * verifyNote checks a checkpoint's signature by the verifier key. Returns
 * {ok, reason}; ok is null when this browser cannot check Ed25519.
 */
export async function verifyNote(cp, vkey) {
  const want = hex((await sha256(concat(enc.encode(vkey.name + '\n'), vkey.raw))).slice(0, 4));
  if (want !== vkey.keyHash) return { ok: false, reason: 'the verifier key\'s hash does not match its key' };
  const sig = cp.signatures.find(s => s.name === vkey.name && s.keyHash === vkey.keyHash);
  if (!sig) return { ok: false, reason: 'the checkpoint carries no signature by the log\'s key' };
  let key;
  try {
    key = await crypto.subtle.importKey('raw', vkey.pub, { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    return { ok: null, reason: 'this browser cannot check Ed25519 signatures' };
  }
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.sig, enc.encode(cp.text));
  return { ok, reason: ok ? '' : 'the checkpoint\'s signature does not verify' };
}

/** canonical returns a DSSE envelope's canonical bytes, the log entry. */
export function canonical(env) {
  return enc.encode(JSON.stringify({
    payloadType: env.payloadType, payload: env.payload,
    signatures: env.signatures.map(s => ({ keyid: s.keyid, sig: s.sig })),
  }));
}

/** tilePath writes a tile index as C2SP tlog-tiles does: "x001/x234/067". */
export function tilePath(n) {
  const parts = [];
  do { parts.unshift(String(n % 1000).padStart(3, '0')); n = Math.floor(n / 1000); } while (n > 0);
  return parts.map((p, i) => (i < parts.length - 1 ? 'x' : '') + p).join('/');
}

const bundles = new Map();

/**
 * fetchEntry returns the log entry at index from the log's own entry
 * bundles (/log/tile/entries/...), for a tree of size: the bytes the leaf
 * hash covers, as the log serves them to anyone.
 */
export async function fetchEntry(index, size) {
  const n = Math.floor(index / 256);
  let path = '/log/tile/entries/' + tilePath(n);
  if (n >= Math.floor(size / 256)) path += '.p/' + (size % 256);
  if (!bundles.has(path)) bundles.set(path, fetch(path).then(r => {
    if (!r.ok) throw new Error(`the log has no entry bundle ${path}`);
    return r.arrayBuffer();
  }).then(b => new Uint8Array(b)));
  const b = await bundles.get(path);
  let off = 0;
  for (let i = 0; off + 2 <= b.length; i++) {
    const len = (b[off] << 8) | b[off + 1];
    if (i === index % 256) return b.slice(off + 2, off + 2 + len);
    off += 2 + len;
  }
  throw new Error(`entry ${index} is not in its bundle`);
}

/**
 * checkEntry throws unless entry is the log entry of the statement with
 * id: its canonical envelope, or, for a statement only members may read,
 * exactly the commitment {"sealed":"<id>","kind":"<kind>"} (docs/design.md,
 * "Sealed statements"), in which case an envelope, if the reader has it,
 * must hash to id and be of that kind.
 */
async function checkEntry(id, entry, envelope) {
  if (hex(await sha256(entry)) === id) return;
  const m = /^\{"sealed":"([0-9a-f]{64})","kind":"([a-z]+(?:\.[a-z]+)*)"\}$/.exec(new TextDecoder().decode(entry));
  if (!m) throw new Error('the statement\'s bytes do not hash to its id');
  if (m[1] !== id) throw new Error('the log entry commits to another statement');
  if (!envelope) return;
  if (hex(await sha256(canonical(envelope))) !== id) throw new Error('the statement\'s bytes do not hash to its id');
  const kind = JSON.parse(new TextDecoder().decode(b64decode(envelope.payload))).kind;
  if (kind !== m[2]) throw new Error(`the log commits to a ${m[2]}, but the statement is a ${kind}`);
}

/**
 * verifyInclusion checks that the statement with id is in the log, by its
 * entry (the bytes of the log entry; from the log's tiles, or else the
 * canonical form of envelope), its receipt and the log's verifier key
 * (text). Returns {ok, reason, index, size, checkpointSigned}.
 */
export async function verifyInclusion({ id, entry, envelope, receipt, vkey }) {
  const out = { ok: false, index: receipt.index, size: receipt.tree_size, reason: '' };
  try {
    if (!crypto.subtle) throw new Error('this page is not a secure context (HTTPS or localhost), so the browser offers no WebCrypto');
    if (!entry && receipt.leaf) entry = b64decode(receipt.leaf);
    if (!entry) {
      if (!envelope) throw new Error('neither the log entry nor the statement could be read');
      entry = canonical(envelope);
    }
    await checkEntry(id, entry, envelope);
    if (receipt.id !== id) throw new Error('the receipt is for another statement');
    const cp = parseCheckpoint(receipt.checkpoint);
    const key = parseVerifierKey(vkey);
    if (cp.origin !== key.name) throw new Error('the checkpoint is of another log');
    if (cp.size !== receipt.tree_size) throw new Error('the receipt\'s tree size is not its checkpoint\'s');
    const proof = receipt.inclusion_proof.map(b64decode);
    const root = await rootFromInclusionProof(receipt.index, receipt.tree_size, await leafHash(entry), proof);
    if (!equal(root, cp.root)) throw new Error('the inclusion proof does not lead to the checkpoint\'s root');
    const sig = await verifyNote(cp, key);
    if (sig.ok === false) throw new Error(sig.reason);
    out.checkpointSigned = sig.ok;
    out.ok = true;
    out.reason = sig.ok ? '' : sig.reason;
  } catch (e) {
    out.reason = e.message;
  }
  return out;
}
