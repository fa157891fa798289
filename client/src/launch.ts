// How the server process is started: `<python> -m shapelens serve`, with the server and its
// libraries taken from the extension's own `bundled/libs`. Pure: returns data.
import path from "node:path";

export const SERVER_MODULE_ARGS = ["-m", "shapelens", "serve"] as const;

export interface ServerLaunch {
    command: string;
    /** vscode-languageclient appends `--stdio` to these. */
    args: string[];
    cwd: string;
    env: Record<string, string>;
}

export function bundledLibsDir(extensionPath: string): string {
    return path.join(extensionPath, "bundled", "libs");
}

/**
 * The server's command line and environment. The bundled libraries come first on the import
 * path and the user's PYTHONPATH and user site-packages are left out (the server imports none
 * of the user's code, and another pygls or libcst there must not shadow the bundled ones).
 * The working directory is the extension's own folder (it holds no Python modules at its top):
 * before 3.11, `python -m` puts it on the import path, and a workspace with a `shapelens.py`
 * or `typing_extensions.py` must not take part.
 */
export function serverLaunch(interpreter: string, extensionPath: string, baseEnv: Record<string, string | undefined>): ServerLaunch {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(baseEnv)) {
        if (value !== undefined) env[name] = value;
    }
    env.PYTHONPATH = bundledLibsDir(extensionPath);
    env.PYTHONNOUSERSITE = "1";
    env.PYTHONSAFEPATH = "1"; // 3.11+: no implicit current directory on sys.path
    env.PYTHONUNBUFFERED = "1"; // the server's log reaches the output channel as it is written
    env.PYTHONIOENCODING = "utf-8";
    return { command: interpreter, args: [...SERVER_MODULE_ARGS], cwd: extensionPath, env };
}
