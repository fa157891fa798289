// Before the server starts, the chosen interpreter runs a few lines of Python with the server's
// environment. The answer tells apart "no such file", "not Python", "too old", "no bundled
// build for this Python" and "the server does not import", so the user gets a message that
// says which one instead of a language client that silently gives up.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describeSource, Interpreter } from "./interpreter";
import { ServerLaunch } from "./launch";

export const MINIMUM_PYTHON: readonly [number, number] = [3, 10];
export const BUNDLE_MANIFEST = "shapelens-bundle.json";

// Runs on any Python, even 2.7, so that an old one can still say its version.
export const PROBE_SCRIPT = `
import json, sys
report = {"version": list(sys.version_info[:3]), "executable": sys.executable,
          "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython")}
if sys.version_info >= (3, 10):
    try:
        import libcst, lsprotocol.types, pygls.lsp.server, shapelens.cli
        libcst.parse_module("x = 1\\n")
        report["server"] = shapelens.__file__
    except BaseException as error:
        report["importError"] = "%s: %s" % (type(error).__name__, error)
sys.stdout.write(json.dumps(report) + "\\n")
`;

/** `bundled/libs/shapelens-bundle.json`, written by client/scripts/bundle_python.py. */
export interface BundleManifest {
    target: string;
    pythonVersions: string[];
    distributions: Record<string, string>;
}

export interface ProbeOutcome {
    /** Set when the process could not be started at all (ENOENT, EACCES). */
    spawnError?: { code?: string; message: string };
    exitCode: number | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
}

export type ProbeProblem = "not-found" | "not-python" | "too-old" | "no-bundled-build" | "import-failed";

export type ProbeVerdict =
    | { ok: true; version: string; serverPath: string }
    | { ok: false; problem: ProbeProblem; message: string };

interface ProbeReport {
    version: number[];
    executable?: string;
    implementation?: string;
    importError?: string;
    server?: string;
}

function parseReport(stdout: string): ProbeReport | undefined {
    const lastLine = stdout.trim().split(/\r?\n/).pop() ?? "";
    try {
        const report = JSON.parse(lastLine) as ProbeReport;
        return Array.isArray(report.version) ? report : undefined;
    } catch {
        return undefined;
    }
}

function firstLines(text: string, count: number): string {
    return text.trim().split(/\r?\n/).slice(-count).join(" | ");
}

export function readBundleManifest(libsDir: string): BundleManifest | undefined {
    try {
        return JSON.parse(readFileSync(path.join(libsDir, BUNDLE_MANIFEST), "utf8")) as BundleManifest;
    } catch {
        return undefined;
    }
}

export function assessProbe(outcome: ProbeOutcome, interpreter: Interpreter, manifest: BundleManifest | undefined): ProbeVerdict {
    const who = `"${interpreter.command}" (from ${describeSource(interpreter.source)})`;
    if (outcome.spawnError) {
        const reason = outcome.spawnError.code === "ENOENT" ? "does not exist" : outcome.spawnError.code === "EACCES" ? "is not executable" : `could not be started: ${outcome.spawnError.message}`;
        return { ok: false, problem: "not-found", message: `Shape Lens needs Python ${MINIMUM_PYTHON.join(".")} or newer to run its server, and the interpreter ${who} ${reason}.` };
    }
    if (outcome.timedOut) {
        return { ok: false, problem: "not-python", message: `The interpreter ${who} did not answer within the time limit; Shape Lens cannot start its server with it.` };
    }
    const report = parseReport(outcome.stdout);
    if (!report) {
        const detail = firstLines(outcome.stderr || outcome.stdout, 2);
        return { ok: false, problem: "not-python", message: `${who} did not run as Python (exit code ${outcome.exitCode})${detail ? `: ${detail}` : "."}` };
    }
    const version = report.version.join(".");
    const [major, minor] = report.version;
    if (major < MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor < MINIMUM_PYTHON[1])) {
        return { ok: false, problem: "too-old", message: `Shape Lens needs Python ${MINIMUM_PYTHON.join(".")} or newer; ${who} is Python ${version}. Choose a newer interpreter in the shapelens.interpreter setting.` };
    }
    const implementation = report.implementation ?? "cpython";
    const majorMinor = `${major}.${minor}`;
    if (manifest && (implementation !== "cpython" || !manifest.pythonVersions.includes(majorMinor))) {
        return {
            ok: false,
            problem: "no-bundled-build",
            message: `This Shape Lens package carries its compiled parser (libcst) for CPython ${manifest.pythonVersions.join(", ")} on ${manifest.target}; ${who} is ${implementation === "cpython" ? "CPython" : implementation} ${version}. Choose one of those in the shapelens.interpreter setting.`,
        };
    }
    if (report.importError) {
        return { ok: false, problem: "import-failed", message: `Shape Lens could not load its server with ${who}, Python ${version}: ${report.importError}` };
    }
    return { ok: true, version, serverPath: report.server ?? "" };
}

export function runProbe(launch: ServerLaunch, timeoutMs: number): Promise<ProbeOutcome> {
    return new Promise((resolve) => {
        execFile(launch.command, ["-c", PROBE_SCRIPT], { cwd: launch.cwd, env: launch.env, timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
            const failure = error as (NodeJS.ErrnoException & { killed?: boolean; code?: string | number }) | null;
            const spawnFailed = failure !== null && typeof failure.code === "string" && failure.code !== "ERR_CHILD_PROCESS_STDIO_MAXBUFFER";
            resolve({
                spawnError: spawnFailed ? { code: failure.code as string, message: failure.message } : undefined,
                exitCode: failure === null ? 0 : typeof failure.code === "number" ? failure.code : null,
                stdout: String(stdout),
                stderr: String(stderr),
                timedOut: failure?.killed === true,
            });
        });
    });
}
