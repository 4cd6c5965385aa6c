// Regenerates bls.json: BLS12-381 min-pk signatures and proofs of possession in the IETF
// ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_, made by @noble/curves 1.9.7
// (an implementation independent of blst). Usage: npm ci && node generate.mjs (from this
// folder). Never edit bls.json by hand.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { bls12_381 as bls } from "@noble/curves/bls12-381";

const DST_SIG = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
const DST_POP = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const long = bls.longSignatures;
const hex = (b) => Buffer.from(b).toString("hex");

function secretKey(i) {
  const h = BigInt("0x" + createHash("sha256").update(`doppio bls vector ${i}`).digest("hex"));
  return Buffer.from((h % R).toString(16).padStart(64, "0"), "hex");
}

const messages = [
  Buffer.alloc(0),
  Buffer.from("abc"),
  Buffer.alloc(32),
  Buffer.from("DOPPIO_VOTE_V1", "ascii"),
];

const vectors = [];
for (let i = 0; i < 4; i++) {
  const sk = secretKey(i);
  const pk = long.getPublicKey(sk).toBytes(true);
  const pop = long.sign(long.hash(pk, DST_POP), sk).toBytes(true);
  const signatures = messages.map((m) => {
    const sig = long.sign(long.hash(m, DST_SIG), sk).toBytes(true);
    if (!long.verify(sig, long.hash(m, DST_SIG), pk)) throw new Error("noble self-check");
    return { message: hex(m), signature: hex(sig) };
  });
  vectors.push({ secret_key: hex(sk), public_key: hex(pk), proof_of_possession: hex(pop), signatures });
}

// One aggregate: all four keys sign messages[1]; the aggregate key and signature.
const m = messages[1];
const sigs = vectors.map((v) => v.signatures[1].signature);
const aggregate = {
  message: hex(m),
  public_keys: vectors.map((v) => v.public_key),
  aggregate_public_key: hex(long.aggregatePublicKeys(vectors.map((v) => long.getPublicKey(Buffer.from(v.secret_key, "hex")))).toBytes(true)),
  aggregate_signature: hex(long.aggregateSignatures(sigs.map((s) => bls.G2.Point.fromHex(s))).toBytes(true)),
};

writeFileSync(
  new URL("bls.json", import.meta.url),
  JSON.stringify(
    { source: "@noble/curves 1.9.7 bls12_381.longSignatures", dst_sig: DST_SIG, dst_pop: DST_POP, vectors, aggregate },
    null,
    1,
  ) + "\n",
);
console.log(`wrote ${vectors.length} keys × ${messages.length} messages`);
