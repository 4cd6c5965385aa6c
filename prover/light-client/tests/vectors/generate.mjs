// Regenerates, from the npm package circomlibjs 0.1.7 (iden3's reference Poseidon over
// BN254 Fr, the parameters circom circuits use):
//   ../../src/poseidon_constants.json  round constants C and MDS matrices M, t = 2..17
//   poseidon.json                      hash vectors (reference and optimised circomlibjs
//                                      implementations must agree)
//   poseidon_capacity.json             hashes with a non-zero capacity element (circomlibjs'
//                                      initState argument) and stake-table sponge
//                                      commitments (nOut = 4 for the whole state)
//   schnorr.json                       Schnorr signatures made by the independent
//                                      implementation below (BigInt curve arithmetic,
//                                      circomlibjs Poseidon, node:crypto SHA-512)
// Usage: npm ci && node generate.mjs   (from this folder). Never edit the outputs by hand.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { buildPoseidonReference, buildPoseidonOpt } from "circomlibjs";

const here = new URL(".", import.meta.url);

// --- Poseidon constants, copied verbatim ---------------------------------------------
const constantsPath = new URL("node_modules/circomlibjs/src/poseidon_constants.json", here);
const constants = JSON.parse(readFileSync(constantsPath, "utf8"));
writeFileSync(
  new URL("../../src/poseidon_constants.json", here),
  JSON.stringify({
    source: "circomlibjs 0.1.7 src/poseidon_constants.json (Grain LFSR, RF=8, BN254 Fr)",
    C: constants.C,
    M: constants.M,
  }) + "\n",
);

// --- Poseidon vectors --------------------------------------------------------------
const reference = await buildPoseidonReference();
const opt = await buildPoseidonOpt();
const F = reference.F;
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

// Element 0 of the permutation of [capacity, inputs…]: circomlib's Poseidon for a zero
// capacity. Both circomlibjs implementations take the capacity as `initState`.
function poseidon(inputs, capacity = 0n) {
  return permutation(inputs, capacity, 1)[0];
}

// The first nOut elements of the permutation of [capacity, inputs…].
function permutation(inputs, capacity, nOut) {
  const out = (impl) => {
    const r = impl(inputs, capacity, nOut);
    return (nOut === 1 ? [r] : r).map((v) => F.toObject(v));
  };
  const a = out(reference);
  const b = out(opt);
  if (a.join() !== b.join()) {
    throw new Error(`reference and optimised Poseidon disagree on ${inputs}, ${capacity}`);
  }
  return a;
}

// Deterministic pseudo-random field elements: SHA-512(label) mod p.
function fieldFrom(label) {
  const h = createHash("sha512").update(label).digest("hex");
  return BigInt("0x" + h) % P;
}

const poseidonVectors = [];
for (let n = 1; n <= 16; n++) {
  const seq = Array.from({ length: n }, (_, i) => BigInt(i + 1));
  const rnd = Array.from({ length: n }, (_, i) => fieldFrom(`poseidon ${n} ${i}`));
  const edge = Array.from({ length: n }, () => P - 1n);
  for (const inputs of [seq, rnd, edge]) {
    poseidonVectors.push({ inputs: inputs.map(String), output: String(poseidon(inputs)) });
  }
}
writeFileSync(
  new URL("poseidon.json", here),
  JSON.stringify({ source: "circomlibjs 0.1.7 poseidon (reference == opt)", vectors: poseidonVectors }, null, 1) + "\n",
);

// --- Capacity hashes and sponge commitments ------------------------------------------
const capacityVectors = [];
for (let n = 1; n <= 4; n++) {
  const inputs = Array.from({ length: n }, (_, i) => fieldFrom(`capacity ${n} ${i}`));
  for (const capacity of [1n, fieldFrom(`capacity ${n}`), P - 1n]) {
    capacityVectors.push({
      capacity: String(capacity),
      inputs: inputs.map(String),
      output: String(poseidon(inputs, capacity)),
    });
  }
}

// Rate-3 sponge over the width-4 permutation: state [len, 0, 0, 0]; per chunk of three
// (the last padded with zeros, the empty list one zero chunk) add the chunk to elements
// 1..3 and permute; the commitment is element 0.
function spongeCommit(elements) {
  let state = [BigInt(elements.length), 0n, 0n, 0n];
  const chunks = Math.max(1, Math.ceil(elements.length / 3));
  for (let k = 0; k < chunks; k++) {
    const chunk = [0, 1, 2].map((j) => elements[3 * k + j] ?? 0n);
    const inputs = chunk.map((e, j) => (state[j + 1] + e) % P);
    state = permutation(inputs, state[0], 4);
  }
  return state[0];
}

const spongeVectors = [];
for (const len of [0, 1, 2, 3, 4, 6, 7, 10, 31]) {
  const elements = Array.from({ length: len }, (_, i) => fieldFrom(`sponge ${len} ${i}`));
  spongeVectors.push({ elements: elements.map(String), commitment: String(spongeCommit(elements)) });
}
writeFileSync(
  new URL("poseidon_capacity.json", here),
  JSON.stringify(
    {
      source: "circomlibjs 0.1.7 poseidon(inputs, initState, nOut) (reference == opt)",
      hashes: capacityVectors,
      sponge: spongeVectors,
    },
    null,
    1,
  ) + "\n",
);

// --- Schnorr over ed-on-BN254 (arkworks' a = 1 form of Baby Jubjub) -------------------
const R = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
const D = 9706598848417545097372247223557719406784115219466060233080913168975159366771n;
const G = {
  x: 19698561148652590122159747500897617769866003486955115824547446575314762165298n,
  y: 19298250018296453272277890825869354524455968081175474282777126169995084727839n,
};
const mod = (a, m = P) => ((a % m) + m) % m;
function inv(a, m = P) {
  let [t, newT, r, newR] = [0n, 1n, m, mod(a, m)];
  while (newR !== 0n) {
    const q = r / newR;
    [t, newT] = [newT, t - q * newT];
    [r, newR] = [newR, r - q * newR];
  }
  return mod(t, m);
}
function add(p, q) {
  const k = mod(D * p.x * q.x * p.y * q.y);
  return {
    x: mod((p.x * q.y + p.y * q.x) * inv(1n + k)),
    y: mod((p.y * q.y - p.x * q.x) * inv(1n - k)),
  };
}
function mul(point, scalar) {
  let acc = { x: 0n, y: 1n };
  for (let bit = scalar.toString(2), i = 0; i < bit.length; i++) {
    acc = add(acc, acc);
    if (bit[i] === "1") acc = add(acc, point);
  }
  return acc;
}
const le32 = (v) => Buffer.from(v.toString(16).padStart(64, "0"), "hex").reverse();
const le8 = (v) => Buffer.from(v.toString(16).padStart(16, "0"), "hex").reverse();
const leInt = (buf) => BigInt("0x" + Buffer.from(buf).reverse().toString("hex"));
const tagOf = (s) => BigInt("0x" + Buffer.from(s, "ascii").toString("hex"));

const CHALLENGE_TAG = tagOf("DOPPIO_SCHNORR_SIG_V3");
const NONCE_DST = Buffer.from("DOPPIO_SCHNORR_NONCE_V1", "ascii");
const TWO_128 = 1n << 128n;
const HIGH_BOUND = 5n ** 54n; // the challenge hash's high half must be below it
if (TWO_128 * HIGH_BOUND >= P) throw new Error("splits below the bound must stay below p");

// k = SHA-512(NONCE_DST ‖ sk ‖ m… [‖ attempt, 8 bytes LE for attempts after the first]).
function nonce(sk, msg, attempt) {
  const h = createHash("sha512").update(NONCE_DST).update(le32(sk));
  msg.forEach((m) => h.update(le32(m)));
  if (attempt > 0n) h.update(le8(attempt));
  return leInt(h.digest()) % R;
}

// d = Poseidon(TAG, m…); h = element 0 of the width-3 permutation of [d, R.x, PK.x]
// = lo + 2^128·hi; the challenge is lo, valid when hi < 5^54 (otherwise: the next nonce).
function sign(sk, msg) {
  const pk = mul(G, sk);
  const digest = poseidon([CHALLENGE_TAG, ...msg]);
  for (let attempt = 0n; ; attempt++) {
    const k = nonce(sk, msg, attempt);
    const r = mul(G, k);
    const h = poseidon([r.x, pk.x], digest);
    if (h / TWO_128 >= HIGH_BOUND) continue;
    const s = mod(k + (h % TWO_128) * sk, R);
    return { pk, r, s, digest, attempt };
  }
}

const schnorrVectors = [];
for (let i = 0; i < 4; i++) {
  const sk = fieldFrom(`schnorr key ${i}`) % R;
  for (const len of [0, 1, 3, 15]) {
    const msg = Array.from({ length: len }, (_, j) => fieldFrom(`schnorr msg ${i} ${len} ${j}`));
    const { pk, r, s, digest, attempt } = sign(sk, msg);
    schnorrVectors.push({
      secret_key: String(sk),
      public_key: { x: String(pk.x), y: String(pk.y) },
      message: msg.map(String),
      digest: String(digest),
      attempt: Number(attempt),
      r: { x: String(r.x), y: String(r.y) },
      s: String(s),
    });
  }
}
writeFileSync(
  new URL("schnorr.json", here),
  JSON.stringify(
    {
      source: "generate.mjs: independent BigInt implementation + circomlibjs 0.1.7 poseidon",
      challenge_tag: String(CHALLENGE_TAG),
      vectors: schnorrVectors,
    },
    null,
    1,
  ) + "\n",
);
const retried = schnorrVectors.filter((v) => v.attempt > 0).length;
console.log(
  `wrote ${poseidonVectors.length} Poseidon, ${capacityVectors.length} capacity-hash, ` +
    `${spongeVectors.length} sponge and ${schnorrVectors.length} Schnorr vectors ` +
    `(${retried} signed after a retry)`,
);
