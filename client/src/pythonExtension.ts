// The Python extension's public API (ms-python.python), reduced to the active interpreter.
import * as vscode from "vscode";

export const PYTHON_EXTENSION_ID = "ms-python.python";

interface EnvironmentPath {
    id: string;
    path: string;
}

interface ResolvedEnvironment {
    executable: { uri?: vscode.Uri };
}

/** The members of the extension's exported API that Shape Lens uses. */
export interface PythonExtensionApi {
    environments: {
        getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
        resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
        onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
    };
}

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!extension) return undefined;
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api?.environments ? api : undefined;
}

export function isPythonExtensionInstalled(): boolean {
    return vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
}

/** The executable of the environment selected in the Python extension for `resource`. */
export async function activeInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
    const api = await pythonApi();
    if (!api) return undefined;
    const environmentPath = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(environmentPath);
    return resolved?.executable.uri?.fsPath ?? (environmentPath.path || undefined);
}

/** Calls `listener` whenever the user picks another interpreter in the Python extension. */
export async function onActiveInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
    const api = await pythonApi();
    return api?.environments.onDidChangeActiveEnvironmentPath(() => listener());
}
