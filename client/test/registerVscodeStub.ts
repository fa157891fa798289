// Loaded with `node --require` before the tests: `import "vscode"` resolves to ./vscodeStub,
// since the real module exists only inside the editor.
import Module from "node:module";
import path from "node:path";

const stubPath = path.join(__dirname, "vscodeStub.js");
type Resolve = (request: string, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: Resolve };
const resolveFilename = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]): string {
    return request === "vscode" ? stubPath : resolveFilename.call(this, request, ...rest);
};
