// Checks what `vsce ls` would put in the .vsix: everything the extension runs is there, and
// no tests, fixtures, virtual environments, sources, source maps or node_modules are.
//   node client/scripts/check-package.mjs
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const vsce = path.join(root, "node_modules", "@vscode", "vsce", "vsce");
const listing = execFileSync(process.execPath, [vsce, "ls", "--no-dependencies"], { cwd: root, encoding: "utf8" });
const files = listing.split("\n").map((line) => line.trim()).filter(Boolean);

const forbidden = [
    [/(^|\/)tests?\//, "a test folder"],
    [/(^|\/)fixtures?\//, "a fixture folder"],
    [/(^|\/)\.?venv\//, "a virtual environment"],
    [/(^|\/)node_modules\//, "node_modules"],
    [/\.map$/, "a source map"],
    [/\.tsx?$/, "TypeScript source"],
    [/(^|\/)__pycache__\/|\.pyc$/, "Python bytecode"],
    [/^(client|server|examples|\.cache|\.e2e)\//, "a development folder"],
    [/\.vsix$/, "a packaged extension"],
];
const problems = [];
for (const file of files) {
    for (const [pattern, what] of forbidden) {
        if (pattern.test(file)) problems.push(`${file}: ${what}`);
    }
}

const manifest = JSON.parse(readFileSync(path.join(root, "bundled", "libs", "shapelens-bundle.json"), "utf8"));
const required = ["package.json", "dist/extension.js", "bundled/libs/shapelens-bundle.json", "bundled/libs/shapelens/__main__.py", "bundled/libs/pygls/__init__.py"];
for (const version of manifest.pythonVersions) {
    const tag = version.replace(".", "");
    // native.cpython-312-x86_64-linux-gnu.so, native.cpython-312-darwin.so, native.cp312-win_amd64.pyd
    if (!files.some((file) => file.startsWith(`bundled/libs/libcst/native.cpython-${tag}-`) || file.startsWith(`bundled/libs/libcst/native.cp${tag}-`))) {
        problems.push(`no libcst native module for CPython ${version}`);
    }
}
for (const file of required) {
    if (!files.includes(file)) problems.push(`${file} is missing`);
}

if (problems.length > 0) {
    console.error(`The .vsix contents are wrong:\n  ${problems.join("\n  ")}`);
    process.exit(1);
}
console.log(`vsce ls: ${files.length} files, none of them tests, fixtures, venvs, sources or source maps; server and libcst for CPython ${manifest.pythonVersions.join(", ")} present`);
