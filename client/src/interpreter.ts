// Which Python runs the server: the `shapelens.interpreter` setting, else the Python
// extension's active environment, else `python3`/`python` on PATH. Pure apart from the
// callbacks it is given, so tests need no VS Code and no real interpreters.
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

export type InterpreterSource = "setting" | "python-extension" | "path";

export interface Interpreter {
    command: string;
    source: InterpreterSource;
}

export interface InterpreterLookup {
    /** `shapelens.interpreter`, trimmed; empty when unset. */
    setting: string;
    workspaceFolder: string | undefined;
    home: string;
    env: Record<string, string | undefined>;
    platform: NodeJS.Platform;
    /** The Python extension's active interpreter; absent when that extension is not installed or not to be used. */
    pythonExtension?: () => Promise<string | undefined>;
    isExecutable: (file: string) => boolean;
    log?: (line: string) => void;
}

export function isExecutableFile(file: string): boolean {
    try {
        accessSync(file, constants.X_OK);
        return statSync(file).isFile();
    } catch {
        return false;
    }
}

export function pathCandidates(platform: NodeJS.Platform): string[] {
    return platform === "win32" ? ["python.exe", "python3.exe"] : ["python3", "python"];
}

/** The first of `names` found in the PATH directories, as a full path. */
export function findOnPath(names: readonly string[], env: Record<string, string | undefined>, platform: NodeJS.Platform, isExecutable: (file: string) => boolean): string | undefined {
    const pathValue = (platform === "win32" ? env.Path ?? env.PATH : env.PATH) ?? "";
    const delimiter = platform === "win32" ? ";" : ":";
    const join = platform === "win32" ? path.win32.join : path.posix.join;
    for (const name of names) {
        for (const dir of pathValue.split(delimiter)) {
            if (!dir) continue;
            const candidate = join(dir, name);
            if (isExecutable(candidate)) return candidate;
        }
    }
    return undefined;
}

/**
 * Expands `~`, `${workspaceFolder}`, `${userHome}` and `${env:NAME}` in the setting; a relative
 * path is taken from the workspace folder, and a bare name (`python3.12`) is looked up on PATH.
 */
export function resolveSetting(setting: string, lookup: Omit<InterpreterLookup, "setting" | "pythonExtension">): string {
    const pathApi = lookup.platform === "win32" ? path.win32 : path.posix;
    let expanded = setting
        .replace(/\$\{workspaceFolder\}/g, lookup.workspaceFolder ?? "")
        .replace(/\$\{userHome\}/g, lookup.home)
        .replace(/\$\{env:([^}]+)\}/g, (_, name: string) => lookup.env[name] ?? "");
    if (expanded === "~" || expanded.startsWith("~/") || expanded.startsWith("~\\")) expanded = lookup.home + expanded.slice(1);

    const hasSeparator = expanded.includes("/") || (lookup.platform === "win32" && expanded.includes("\\"));
    if (!hasSeparator) {
        return findOnPath([expanded], lookup.env, lookup.platform, lookup.isExecutable) ?? expanded;
    }
    if (!pathApi.isAbsolute(expanded) && lookup.workspaceFolder) {
        return pathApi.join(lookup.workspaceFolder, expanded);
    }
    return expanded;
}

export async function chooseInterpreter(lookup: InterpreterLookup): Promise<Interpreter | undefined> {
    if (lookup.setting) {
        return { command: resolveSetting(lookup.setting, lookup), source: "setting" };
    }
    if (lookup.pythonExtension) {
        try {
            const fromExtension = await lookup.pythonExtension();
            if (fromExtension) return { command: fromExtension, source: "python-extension" };
            lookup.log?.("The Python extension has no active interpreter; looking on PATH");
        } catch (error) {
            lookup.log?.(`The Python extension did not report an interpreter (${String(error)}); looking on PATH`);
        }
    }
    const onPath = findOnPath(pathCandidates(lookup.platform), lookup.env, lookup.platform, lookup.isExecutable);
    return onPath ? { command: onPath, source: "path" } : undefined;
}

export function describeSource(source: InterpreterSource): string {
    switch (source) {
        case "setting":
            return "the shapelens.interpreter setting";
        case "python-extension":
            return "the Python extension's active environment";
        case "path":
            return "PATH";
    }
}
