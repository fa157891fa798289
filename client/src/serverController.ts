// Owns the one language client: start, stop, restart, one at a time, and tell the user clearly
// when the server cannot run.
import { homedir } from "node:os";
import * as vscode from "vscode";
import { CloseAction, ErrorAction, LanguageClient, LanguageClientOptions, TransportKind } from "vscode-languageclient/node";
import { CrashWindow } from "./crashes";
import { DOCUMENT_SELECTOR } from "./documentSelector";
import { chooseInterpreter, describeSource, Interpreter, isExecutableFile } from "./interpreter";
import { bundledLibsDir, serverLaunch, ServerLaunch } from "./launch";
import { assessProbe, MINIMUM_PYTHON, readBundleManifest, runProbe } from "./probe";
import { activeInterpreter, isPythonExtensionInstalled } from "./pythonExtension";
import { readSettings, serverSettings, ShapeLensSettings } from "./settings";

const PROBE_TIMEOUT_MS = 30_000;
const SHOW_LOGS = "Show logs";
const OPEN_SETTINGS = "Open settings";

export class ServerController implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private queue: Promise<void> = Promise.resolve();
    private crashes = new CrashWindow();

    constructor(
        private readonly extensionPath: string,
        private readonly log: vscode.LogOutputChannel,
    ) {}

    /** Start, stop and restart run one after another, in the order asked. */
    private enqueue(step: () => Promise<void>): Promise<void> {
        this.queue = this.queue.then(step, step).catch((error: unknown) => this.log.error(`Shape Lens: ${String(error)}`));
        return this.queue;
    }

    start(): Promise<void> {
        return this.enqueue(() => this.startNow());
    }

    stop(): Promise<void> {
        return this.enqueue(() => this.stopNow());
    }

    restart(reason: string): Promise<void> {
        return this.enqueue(async () => {
            this.log.info(`Restarting the server: ${reason}`);
            await this.stopNow();
            this.crashes = new CrashWindow();
            await this.startNow();
        });
    }

    dispose(): void {
        void this.stop();
    }

    private async startNow(): Promise<void> {
        if (this.client) return;
        const { settings, problems } = readSettings(vscode.workspace.getConfiguration("shapelens"));
        for (const problem of problems) this.log.warn(problem);
        if (!settings.enable) {
            this.log.info("shapelens.enable is false: the server is not started");
            return;
        }

        const interpreter = await this.findInterpreter(settings);
        if (!interpreter) {
            this.reportFailure(
                `Shape Lens needs Python ${MINIMUM_PYTHON.join(".")} or newer to run its server and found none: set shapelens.interpreter, select an interpreter in the Python extension, or put python3 on PATH.`,
            );
            return;
        }
        const launch = serverLaunch(interpreter.command, this.extensionPath, process.env);
        const verdict = assessProbe(await runProbe(launch, PROBE_TIMEOUT_MS), interpreter, readBundleManifest(bundledLibsDir(this.extensionPath)));
        if (!verdict.ok) {
            this.reportFailure(verdict.message);
            return;
        }
        this.log.info(`Starting the server with Python ${verdict.version} at ${interpreter.command} (from ${describeSource(interpreter.source)}); server code: ${verdict.serverPath}`);
        await this.startClient(launch, settings);
    }

    private async findInterpreter(settings: ShapeLensSettings): Promise<Interpreter | undefined> {
        const folder = vscode.workspace.workspaceFolders?.[0];
        // The Python extension's choice may be an interpreter inside the workspace, and an
        // untrusted workspace's programs must not run.
        const usePythonExtension = vscode.workspace.isTrusted && isPythonExtensionInstalled();
        return chooseInterpreter({
            setting: settings.interpreter,
            workspaceFolder: folder?.uri.fsPath,
            home: homedir(),
            env: process.env,
            platform: process.platform,
            pythonExtension: usePythonExtension ? () => activeInterpreter(folder?.uri) : undefined,
            isExecutable: isExecutableFile,
            log: (line) => this.log.info(line),
        });
    }

    private async startClient(launch: ServerLaunch, settings: ShapeLensSettings): Promise<void> {
        const clientOptions: LanguageClientOptions = {
            documentSelector: DOCUMENT_SELECTOR,
            outputChannel: this.log,
            initializationOptions: serverSettings(settings),
            errorHandler: {
                error: () => ({ action: ErrorAction.Continue }),
                closed: () => {
                    if (this.crashes.recordCrash()) {
                        this.log.warn("The server stopped unexpectedly; restarting it");
                        return { action: CloseAction.Restart, handled: true };
                    }
                    this.reportFailure(`The Shape Lens server stopped ${this.crashes.recentCrashes} times in a few minutes and will not be restarted. Run "Shape Lens: Restart Server" after fixing the cause.`);
                    return { action: CloseAction.DoNotRestart, handled: true };
                },
            },
        };
        const client = new LanguageClient(
            "shapelens",
            "Shape Lens",
            { command: launch.command, args: launch.args, options: { cwd: launch.cwd, env: launch.env }, transport: TransportKind.stdio },
            clientOptions,
        );
        this.client = client;
        try {
            await client.start();
        } catch (error) {
            this.client = undefined;
            this.reportFailure(`The Shape Lens server did not start: ${error instanceof Error ? error.message : String(error)}`);
            await client.dispose().catch(() => undefined);
        }
    }

    private async stopNow(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (!client) return;
        try {
            await client.stop(5_000);
        } catch (error) {
            this.log.warn(`Stopping the server: ${String(error)}`);
        }
    }

    private reportFailure(message: string): void {
        this.log.error(message);
        void vscode.window.showErrorMessage(message, SHOW_LOGS, OPEN_SETTINGS).then((choice) => {
            if (choice === SHOW_LOGS) this.log.show();
            if (choice === OPEN_SETTINGS) void vscode.commands.executeCommand("workbench.action.openSettings", "shapelens");
        });
    }
}
