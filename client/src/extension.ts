// Entry point: wires commands and events to the server controller.
import * as vscode from "vscode";
import { onActiveInterpreterChange } from "./pythonExtension";
import { ServerController } from "./serverController";
import { needsRestart } from "./settings";

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const log = vscode.window.createOutputChannel("Shape Lens", { log: true });
    controller = new ServerController(context.extensionPath, log);
    const server = controller;
    context.subscriptions.push(
        log,
        server,
        vscode.commands.registerCommand("shapelens.restart", () => server.restart("the Restart Server command")),
        vscode.commands.registerCommand("shapelens.showLogs", () => log.show()),
        vscode.workspace.onDidChangeConfiguration((change) => {
            if (needsRestart(change)) void server.restart("settings changed");
        }),
        vscode.workspace.onDidGrantWorkspaceTrust(() => void server.restart("the workspace is now trusted")),
    );

    // Follow the interpreter picked in the Python extension, unless shapelens.interpreter overrides it.
    try {
        const subscription = await onActiveInterpreterChange(() => {
            if (!vscode.workspace.getConfiguration("shapelens").get<string>("interpreter")) {
                void server.restart("the Python extension's interpreter changed");
            }
        });
        if (subscription) context.subscriptions.push(subscription);
    } catch (error) {
        log.warn(`Not following the Python extension's interpreter: ${String(error)}`);
    }

    await server.start();
}

export async function deactivate(): Promise<void> {
    await controller?.stop();
    controller = undefined;
}
