// End-to-end test in a real editor: code-server (VS Code in the browser) with the packaged
// .vsix installed, driven through headless Chromium with Playwright. The Python that runs the
// server is a bare virtual environment: everything the server needs comes from the .vsix.
//
//   node client/out/e2e/run.js --vsix shapelens-linux-x64-0.1.0.vsix --code-server <bin> \
//        [--python python3] [--work .e2e] [--screenshots .e2e/screenshots]
//
// It asserts, from the page: the error squiggle and its message in the Problems panel, a hover
// card with an output shape, an inlay hint, and that the quick fix removes the error; then the
// same in a Jupyter notebook's cells, in VS Code's own notebook editor.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium, Browser, Page } from "playwright-core";
import { CodeServer, freePort, startCodeServer } from "./codeServer";
import { Editor } from "./editor";
import { NotebookEditor } from "./notebook";

const CHROMIUM = "/usr/bin/chromium";
const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
const SAMPLE_FOLDER = path.join(REPO_ROOT, "client", "e2e", "workspace");

interface Options {
    vsix: string;
    codeServer: string;
    python: string;
    work: string;
    screenshots: string;
}

function parseOptions(argv: string[]): Options {
    const value = (name: string, fallback?: string): string => {
        const index = argv.indexOf(`--${name}`);
        const found = index >= 0 ? argv[index + 1] : fallback;
        if (!found) throw new Error(`missing --${name}`);
        return path.resolve(found);
    };
    const work = value("work", path.join(REPO_ROOT, ".e2e"));
    const pythonIndex = argv.indexOf("--python");
    return {
        vsix: value("vsix"),
        codeServer: value("code-server"),
        python: pythonIndex >= 0 ? argv[pythonIndex + 1] : "python3",
        work,
        screenshots: value("screenshots", path.join(work, "screenshots")),
    };
}

function checkPrerequisites(options: Options): void {
    const missing: string[] = [];
    if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (Debian package: chromium)`);
    if (!existsSync(options.codeServer)) missing.push(`code-server at ${options.codeServer} (make e2e-setup installs it)`);
    if (!existsSync(options.vsix)) missing.push(`the extension package ${options.vsix} (make vsix builds it)`);
    if (missing.length > 0) throw new Error(`The end-to-end test cannot run; missing:\n  ${missing.join("\n  ")}`);
}

/** A virtual environment without pip, shapelens, pygls or libcst: the extension must bring them. */
function makeBarePython(basePython: string, dir: string): string {
    try {
        execFileSync(basePython, ["-m", "venv", "--without-pip", dir], { stdio: "pipe" });
    } catch (error) {
        throw new Error(`could not make a bare virtual environment with ${basePython}: ${String(error)}`);
    }
    const python = path.join(dir, "bin", "python");
    const present = execFileSync(python, ["-c", "import importlib.util as u; print(' '.join(m for m in ('shapelens', 'pygls', 'lsprotocol', 'libcst') if u.find_spec(m)))"], { encoding: "utf8" }).trim();
    if (present) throw new Error(`the bare Python at ${python} already has ${present}; the test must get these from the .vsix`);
    return python;
}

function writeUserSettings(userDataDir: string, python: string): void {
    const settings = {
        "shapelens.interpreter": python,
        "security.workspace.trust.enabled": false,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "workbench.colorTheme": "Default Dark Modern",
        "workbench.enableExperiments": false,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "extensions.ignoreRecommendations": true,
        "git.enabled": false,
        "editor.minimap.enabled": false,
        "editor.inlayHints.enabled": "on",
        "editor.hover.delay": 300,
        "editor.fontSize": 14,
        "window.restoreWindows": "none",
        "chat.commandCenter.enabled": false,
    };
    mkdirSync(path.join(userDataDir, "User"), { recursive: true });
    writeFileSync(path.join(userDataDir, "User", "settings.json"), JSON.stringify(settings, null, 2));
}

/** The extension host's and the Shape Lens output channel's logs, for a failure report. */
function collectLogs(userDataDir: string): string {
    const found: string[] = [];
    const walk = (dir: string): void => {
        if (!existsSync(dir)) return;
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (/Shape Lens|exthost|remoteexthost/i.test(entry.name)) found.push(full);
        }
    };
    walk(path.join(userDataDir, "logs"));
    return found.map((file) => `--- ${file}\n${readFileSync(file, "utf8").split("\n").slice(-40).join("\n")}`).join("\n");
}

async function runScenario(page: Page, options: Options, sampleFile: string, python: string): Promise<void> {
    const editor = new Editor(page);
    const shot = (name: string) => editor.screenshot(path.join(options.screenshots, `${name}.png`));

    await editor.waitForWorkbench();
    await editor.openFile("model.py");

    step("diagnostic: squiggle in the editor and the message in the Problems panel");
    await editor.waitForSquiggles(1, 180_000);
    const problem = await editor.problemRow(/kernel_size 3 does not fit input height 1/);
    assertMatch(problem, /shapelens/, "the problem's source");
    assertMatch(problem, /negative-dimension/, "the problem's code");
    await shot("problems");

    step("hover: the card of the first Conv2D shows its output shape");
    const hover = await editor.hoverAt(6, 12);
    assertMatch(hover, /\(None, 26, 26, 32\)/, "the hover card");
    await shot("hover");
    await editor.dismiss();

    step("inlay hints: output shapes at the ends of the layer lines");
    const hint = await editor.waitForLineText(6, /→\s*\(None, 26, 26, 32\)/);
    assertMatch(hint, /layers\.Conv2D\(32, 3, activation="relu"\),\s*→\s*\(None, 26, 26, 32\)/, "line 6 with its hint");
    await shot("inlay-hints");

    step("quick fix: Use padding='same' on the Conv2D that does not fit");
    const titles = await editor.openQuickFixes(12, 5);
    assertMatch(titles.join("\n"), /Use padding=["']same["']/, "the quick fixes offered");
    await shot("quick-fix");
    await editor.chooseQuickFix(/Use padding=["']same["']/);

    step("after the fix: no error squiggle, no error in the Problems panel, and the file says padding='same'");
    await editor.waitForSquiggles(0, 60_000);
    await editor.waitForNoErrorProblems(/negative-dimension/);
    console.log(`    problems left: ${JSON.stringify(await editor.problemRows())}`);
    await editor.waitForFileContent(sampleFile, /layers\.Conv2D\(128, 3, activation="relu", padding=["']same["']\)/);
    await editor.waitForLineText(12, /→\s*\(None, 1, 1, 128\)/);
    await shot("fixed");

    step("a server that cannot start: a clear message with a Show logs button");
    const missingPython = path.join(options.work, "no-such-python");
    await editor.setUserSetting("shapelens.interpreter", missingPython);
    const toast = await editor.waitForNotification(/does not exist/);
    assertMatch(await toast.innerText(), /Shape Lens needs Python 3\.10 or newer .*no-such-python.* \(from the shapelens\.interpreter setting\) does not exist/s, "the notification");
    await editor.waitForNoErrorProblems(/spatial-collapse/); // nothing stale is left from the stopped server
    await shot("server-error");
    await editor.pressNotificationButton(toast, "Show logs");
    await editor.waitForOutput(/no-such-python/);

    step("the interpreter setting changes back: the server restarts by itself");
    await editor.setUserSetting("shapelens.interpreter", python);
    await editor.openFile("model.py");
    await editor.problemRow(/spatial-collapse/);

    await runNotebookScenario(page, editor, shot);
}

/**
 * lenet.ipynb: the data cell's 28x28 images reach the model cell, whose fc1 expects 32x32 ones.
 * The model cell alone has no error (no input reaches it), so the squiggle also shows that
 * vscode-languageclient synced the notebook as a notebook and the server read its cells as one program.
 */
async function runNotebookScenario(page: Page, editor: Editor, shot: (name: string) => Promise<void>): Promise<void> {
    const notebook = new NotebookEditor(page);
    const runCommand = (title: string) => editor.runCommand(title);
    const fc1 = "self.fc1 = nn.Linear(";
    const conv1 = "self.conv1 = nn.Conv2d(1, 6, kernel_size=5)";

    step("notebook: a squiggle in the model cell, from the images of the cell before it, and the Problems entry");
    await editor.openTab("lenet.ipynb");
    await editor.hidePanel(); // room for the cells
    await notebook.waitForCodeCell();
    await notebook.reveal(fc1);
    await notebook.waitForSquiggles(1, 180_000);
    const problem = await editor.problemRow(/Linear\(400, 120\) receives 256 features \(input \(64, 256\)\)/);
    assertMatch(problem, /shapelens/, "the notebook problem's source");
    assertMatch(problem, /linear-in-features/, "the notebook problem's code");
    assertMatch(problem, /\[Ln 6, Col 20\]/, "the notebook problem's place in its cell");

    step("notebook: hovers in a cell show shapes");
    await editor.hidePanel();
    const failing = await notebook.hoverAt(fc1, fc1.indexOf("nn.Linear") + 3, /Input\s*\(64, 256\)/, runCommand);
    assertMatch(failing, /receives 256 features/, "the hover on the failing Linear");
    await editor.dismiss();
    const hover = await notebook.hoverAt(conv1, conv1.indexOf("nn.Conv2d") + 3, /\(64, 6, 24, 24\)/, runCommand);
    assertMatch(hover, /Conv2d/, "the hover card in the cell");
    await shot("notebook");
    await editor.dismiss();

    step("notebook: inlay hints in the model cell's forward()");
    const hint = await notebook.waitForLineText("x = F.max_pool2d(F.relu(self.conv1(x)), 2)", /→\s*\(64, 6, 24, 24\)/);
    assertMatch(hint, /self\.conv1\(x\)\), 2\)\s*→\s*\(64, 6, 24, 24\)/, "the forward line with its hint");

    step("notebook: quick fix in the cell: Set in_features to 256");
    const titles = await notebook.openQuickFixes(fc1, fc1.indexOf("nn.Linear") + 3);
    assertMatch(titles.join("\n"), /Set in_features to 256/, "the quick fixes offered in the cell");
    await editor.chooseQuickFix(/Set in_features to 256/);

    step("notebook: after the fix, no squiggle, no error in the Problems panel, and the cell says Linear(256, 120)");
    await notebook.waitForSquiggles(0, 60_000);
    await editor.waitForNoErrorProblems(/linear-in-features/);
    await notebook.waitForLineText(fc1, /nn\.Linear\(256, 120\)/);
    await notebook.waitForLineText("x = F.relu(self.fc1(x))", /→\s*\(64, 120\)/);
}

let stepNumber = 0;
function step(description: string): void {
    stepNumber += 1;
    console.log(`e2e ${stepNumber}. ${description}`);
}

function assertMatch(text: string, pattern: RegExp, what: string): void {
    if (!pattern.test(text)) throw new Error(`${what} does not match ${pattern}: ${JSON.stringify(text)}`);
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    checkPrerequisites(options);

    rmSync(options.work, { recursive: true, force: true });
    const dirs = {
        userData: path.join(options.work, "user-data"),
        extensions: path.join(options.work, "extensions"),
        xdg: path.join(options.work, "xdg"),
        workspace: path.join(options.work, "workspace"),
        python: path.join(options.work, "python"),
    };
    for (const dir of [options.work, dirs.userData, dirs.extensions, dirs.xdg, options.screenshots]) mkdirSync(dir, { recursive: true });
    // Applying a code action saves the file, so the test works on a copy.
    cpSync(SAMPLE_FOLDER, dirs.workspace, { recursive: true });
    const python = makeBarePython(options.python, dirs.python);
    writeUserSettings(dirs.userData, python);
    const configFile = path.join(options.work, "code-server.yaml");
    writeFileSync(configFile, "auth: none\ncert: false\n");

    const commonArgs = ["--config", configFile, "--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions];
    const env = { ...process.env, XDG_CONFIG_HOME: path.join(dirs.xdg, "config"), XDG_DATA_HOME: path.join(dirs.xdg, "data"), XDG_CACHE_HOME: path.join(dirs.xdg, "cache") };

    step(`install ${path.basename(options.vsix)} into code-server`);
    execFileSync(options.codeServer, [...commonArgs, "--install-extension", options.vsix], { env, stdio: "inherit" });
    const installed = execFileSync(options.codeServer, [...commonArgs, "--list-extensions", "--show-versions"], { env, encoding: "utf8" });
    assertMatch(installed, /shapelens\.shapelens@0\.1\.0/, "code-server's installed extensions");

    let server: CodeServer | undefined;
    let browser: Browser | undefined;
    let page: Page | undefined;
    try {
        const port = await freePort();
        const log = openSync(path.join(options.work, "code-server.log"), "w");
        server = await startCodeServer(options.codeServer, [...commonArgs, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-workspace-trust", "--disable-telemetry", "--disable-update-check", "--disable-getting-started-override", dirs.workspace], env, log, port, options.work);
        step(`code-server is up on 127.0.0.1:${port}`);

        browser = await chromium.launch({
            executablePath: CHROMIUM,
            headless: true,
            args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
            env: { ...env, HOME: dirs.xdg }, // crash reports and dconf land in .e2e, not in the home folder
        });
        page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
        await page.goto(`${server.url}/?folder=${encodeURIComponent(dirs.workspace)}`, { timeout: 120_000 });
        await runScenario(page, options, path.join(dirs.workspace, "model.py"), python);
        console.log(`e2e passed; screenshots in ${options.screenshots}`);
    } catch (error) {
        if (page) await page.screenshot({ path: path.join(options.work, "failure.png") }).catch(() => undefined);
        console.error(`e2e FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        console.error(`screenshot of the failure: ${path.join(options.work, "failure.png")}`);
        console.error(collectLogs(dirs.userData));
        process.exitCode = 1;
    } finally {
        await browser?.close().catch(() => undefined);
        const leftovers = await server?.stop();
        if (leftovers && leftovers.length > 0) {
            console.error(`processes still running after code-server stopped: ${leftovers.join(", ")}`);
            process.exitCode = 1;
        }
    }
}

void main().catch((error: unknown) => {
    console.error(`e2e FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
});
