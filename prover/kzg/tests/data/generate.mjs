// Regenerates the small Powers-of-Tau file the SRS loader is tested on, with snarkjs
// (an independent implementation of the `.ptau` format), and the affine coordinates of
// its powers as snarkjs itself reads them back.
//
//   npm install snarkjs@0.7.6 && node generate.mjs [path/to/node_modules/.bin/snarkjs]
//
// Writes `pot5.ptau` (2^5 powers, one contribution, prepared for phase 2, as published
// ceremony files are) and `pot5.json`. The contribution entropy is random, so a rerun
// produces a different, equally valid file: commit both files together.
import { execFileSync } from "node:child_process";
import { writeFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const snarkjsBin = process.argv[2] ?? "snarkjs";
const run = (...args) => execFileSync(snarkjsBin, args, { stdio: "inherit" });

run("powersoftau", "new", "bn128", "5", "pot5_0.ptau");
run("powersoftau", "contribute", "pot5_0.ptau", "pot5_1.ptau", "--name=doppio test", "-e=doppio test entropy");
run("powersoftau", "prepare", "phase2", "pot5_1.ptau", "pot5.ptau");
run("powersoftau", "verify", "pot5.ptau");
rmSync("pot5_0.ptau");
rmSync("pot5_1.ptau");

const snarkjs = await import(require.resolve("snarkjs", { paths: [process.cwd(), ...module_paths()] }));
const { readBinFile, startReadUniqueSection, endReadSection } = await import(
  require.resolve("@iden3/binfileutils", { paths: module_paths() })
);
const { fd, sections } = await readBinFile("pot5.ptau", "ptau", 1);
const curve = await snarkjs.curves.getCurveFromName("bn128");

async function section(id, group, count) {
  const G = curve[group];
  await startReadUniqueSection(fd, sections, id);
  const out = [];
  for (let i = 0; i < count; i++) {
    const p = G.fromRprLEM(await fd.read(G.F.n8 * 2), 0);
    const [x, y] = G.toObject(G.toAffine(p));
    out.push(group === "G1" ? [x.toString(), y.toString()] : [x.map(String), y.map(String)]);
  }
  await endReadSection(fd);
  return out;
}

const json = {
  source: "snarkjs 0.7.6 powersoftau new bn128 5 / contribute / prepare phase2",
  power: 5,
  tauG1: await section(2, "G1", 2 ** 5 * 2 - 1),
  tauG2: await section(3, "G2", 2 ** 5),
};
await fd.close();
await curve.terminate();
writeFileSync("pot5.json", JSON.stringify(json, null, 1) + "\n");

function module_paths() {
  const bin = snarkjsBin.includes("/") ? snarkjsBin : require.resolve("snarkjs");
  return [bin.replace(/\/\.bin\/snarkjs$/, "/"), bin.replace(/\/node_modules\/.*$/, "/node_modules/")];
}
