// The VS Code workbench as the test sees it: keyboard-driven steps with generous waits and
// retries, and the text of what is on screen. Keyboard rather than clicks: overlays in the
// workbench (the code-action widget's pointer block) eat clicks.
import { existsSync, readFileSync } from "node:fs";
import { Locator, Page } from "playwright-core";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Text as rendered: Monaco draws spaces as no-break spaces. */
export function normalise(text: string | null): string {
    return (text ?? "").replace(/\u00a0/g, " ");
}

export async function poll<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
        try {
            const result = await attempt();
            if (result !== undefined) return result;
        } catch (error) {
            lastError = error;
        }
        await sleep(250);
    }
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
}

export class Editor {
    constructor(private readonly page: Page) {}

    private get editor(): Locator {
        return this.page.locator(".editor-instance .monaco-editor").first();
    }

    async screenshot(file: string): Promise<void> {
        await sleep(300); // let animations settle
        await this.page.screenshot({ path: file });
    }

    async waitForWorkbench(): Promise<void> {
        await this.page.locator(".monaco-workbench .part.statusbar").waitFor({ state: "visible", timeout: 120_000 });
        await this.page.locator(".monaco-workbench .part.sidebar .explorer-folders-view, .monaco-workbench .part.activitybar").first().waitFor({ state: "visible", timeout: 60_000 });
        await sleep(2_000); // the workbench keeps restoring views for a moment
    }

    /**
     * Types into the quick input (Quick Open, command palette, Go to Line), moves the focus to
     * the row whose label matches `rowLabel` (recently used entries come first) and accepts it.
     */
    private async quickInput(opener: () => Promise<void>, text: string, rowLabel: RegExp | undefined, what: string): Promise<void> {
        const widget = this.page.locator(".quick-input-widget");
        for (let attempt = 1; ; attempt++) {
            try {
                await this.page.keyboard.press("Escape");
                await opener();
                await widget.waitFor({ state: "visible", timeout: 10_000 });
                const input = widget.locator("input.input");
                await input.fill(text);
                if (rowLabel) {
                    const label = widget.locator(".monaco-list-row .label-name", { hasText: rowLabel }).first();
                    await label.waitFor({ state: "visible", timeout: 15_000 });
                    const focusedLabel = widget.locator(".monaco-list-row.focused .label-name").first();
                    for (let presses = 0; !rowLabel.test(normalise(await focusedLabel.textContent({ timeout: 5_000 }))); presses++) {
                        if (presses >= 20) throw new Error(`no row labelled ${rowLabel} could be focused`);
                        await this.page.keyboard.press("ArrowDown");
                        await sleep(100);
                    }
                } else {
                    await sleep(300);
                }
                await this.page.keyboard.press("Enter");
                await widget.waitFor({ state: "hidden", timeout: 10_000 });
                return;
            } catch (error) {
                if (attempt >= 4) throw new Error(`${what} failed after ${attempt} attempts: ${String(error)}`);
                await sleep(1_000 * attempt);
            }
        }
    }

    async runCommand(title: string): Promise<void> {
        const exactTitle = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
        await this.quickInput(() => this.page.keyboard.press("F1"), `>${title}`, exactTitle, `the command "${title}"`);
    }

    async openFile(name: string): Promise<void> {
        await this.openTab(name);
        await this.editor.locator(".view-lines").waitFor({ state: "visible", timeout: 30_000 });
    }

    /** Opens a file with Quick Open, in whichever editor VS Code gives it (a notebook's too). */
    async openTab(name: string): Promise<void> {
        await this.quickInput(() => this.page.keyboard.press("Control+P"), name, new RegExp(`^${name.replace(".", "\\.")}$`), `opening ${name}`);
        await this.page.locator(`.tabs-container .tab[aria-label*="${name}"]`).first().waitFor({ state: "visible", timeout: 30_000 });
    }

    /** Moves the cursor; line and column count from 1 as in the status bar. */
    async goTo(line: number, column: number): Promise<void> {
        await this.quickInput(() => this.page.keyboard.press("Control+G"), `:${line}:${column}`, undefined, `going to ${line}:${column}`);
        await poll(`the cursor at Ln ${line}, Col ${column}`, 10_000, async () => {
            const status = normalise(await this.page.locator(".statusbar").textContent());
            return status.includes(`Ln ${line}, Col ${column}`) ? true : undefined;
        });
    }

    async waitForSquiggles(count: number, timeoutMs: number): Promise<void> {
        const squiggles = this.editor.locator(".squiggly-error");
        await poll(`${count} error squiggle(s) in the editor`, timeoutMs, async () => ((await squiggles.count()) === count ? true : undefined));
        if (count === 0) {
            await sleep(1_500); // and it stays that way
            if ((await squiggles.count()) !== 0) throw new Error("an error squiggle came back");
        }
    }

    private async showProblems(): Promise<Locator> {
        const panel = this.page.locator(".markers-panel");
        if (!(await panel.isVisible())) await this.runCommand("Problems: Focus on Problems View");
        await panel.waitFor({ state: "visible", timeout: 15_000 });
        return panel;
    }

    /** The Problems panel's row whose text matches, as text. */
    async problemRow(message: RegExp): Promise<string> {
        const panel = await this.showProblems();
        return poll(`a problem matching ${message}`, 60_000, async () => {
            for (const row of await panel.locator(".monaco-list-row").all()) {
                const text = normalise(await row.textContent());
                if (message.test(text)) return text;
            }
            return undefined;
        });
    }

    /** Waits until the Problems panel lists no errors and no problem matching `message`. */
    async waitForNoErrorProblems(message: RegExp): Promise<void> {
        const panel = await this.showProblems();
        await poll(`no errors and nothing matching ${message} in the Problems panel`, 60_000, async () => {
            if ((await panel.locator(".monaco-list-row .codicon-error").count()) > 0) return undefined;
            for (const row of await panel.locator(".monaco-list-row").all()) {
                if (message.test(normalise(await row.textContent()))) return undefined;
            }
            return true;
        });
    }

    /** Hides the panel (Problems, Output), if it shows. */
    async hidePanel(): Promise<void> {
        if (await this.page.locator(".part.panel").isVisible()) await this.runCommand("View: Hide Panel");
        await this.page.locator(".part.panel").waitFor({ state: "hidden", timeout: 10_000 });
    }

    /** The texts of the Problems panel's rows. */
    async problemRows(): Promise<string[]> {
        const panel = await this.showProblems();
        return (await panel.locator(".monaco-list-row").allTextContents()).map(normalise);
    }

    async hoverAt(line: number, column: number): Promise<string> {
        const card = this.page.locator(".monaco-hover:not(.hidden) .hover-contents").first();
        for (let attempt = 1; ; attempt++) {
            await this.goTo(line, column);
            await this.runCommand("Show or Focus Hover");
            try {
                return await poll("a hover card with text", 15_000, async () => {
                    if (!(await card.isVisible())) return undefined;
                    const text = normalise(await card.textContent()).trim();
                    return text || undefined;
                });
            } catch (error) {
                if (attempt >= 3) throw error;
            }
        }
    }

    async dismiss(): Promise<void> {
        await this.page.keyboard.press("Escape");
        await sleep(300);
    }

    /** The text of the editor line (with its inlay hints) that matches, once one does. */
    async waitForLineText(line: number, pattern: RegExp): Promise<string> {
        return poll(`line ${line} to read ${pattern}`, 60_000, async () => {
            const lineNumbers = this.editor.locator(".margin-view-overlays .line-numbers");
            const lines = this.editor.locator(".view-lines .view-line");
            // Rendered lines are absolutely positioned; pair them with their numbers by their top offset.
            const tops = new Map<string, string>();
            for (const number of await lineNumbers.all()) {
                const top = await number.evaluate((element) => (element.parentElement as HTMLElement).style.top);
                tops.set(top, normalise(await number.textContent()).trim());
            }
            for (const view of await lines.all()) {
                const top = await view.evaluate((element) => (element as HTMLElement).style.top);
                if (tops.get(top) !== String(line)) continue;
                const text = normalise(await view.textContent());
                return pattern.test(text) ? text : undefined;
            }
            return undefined;
        });
    }

    /** Opens the quick-fix menu at a position and returns the titles it offers. */
    async openQuickFixes(line: number, column: number): Promise<string[]> {
        const widget = this.page.locator(".action-widget");
        for (let attempt = 1; ; attempt++) {
            await this.goTo(line, column);
            await this.page.keyboard.press("Control+.");
            try {
                return await poll("the quick-fix menu", 15_000, async () => {
                    if (!(await widget.isVisible())) return undefined;
                    const titles = (await widget.locator(".monaco-list-row.action").allTextContents()).map(normalise);
                    return titles.length > 0 ? titles : undefined;
                });
            } catch (error) {
                await this.page.keyboard.press("Escape");
                if (attempt >= 3) throw error;
            }
        }
    }

    /** Moves the menu's focus to the matching row with the arrow keys and accepts it with Enter. */
    async chooseQuickFix(title: RegExp): Promise<void> {
        const focused = this.page.locator(".action-widget .monaco-list-row.action.focused");
        for (let presses = 0; presses < 30; presses++) {
            const text = normalise(await focused.first().textContent({ timeout: 5_000 }).catch(() => ""));
            if (title.test(text)) {
                await this.page.keyboard.press("Enter");
                await this.page.locator(".action-widget").waitFor({ state: "hidden", timeout: 10_000 });
                return;
            }
            await this.page.keyboard.press("ArrowDown");
            await sleep(150);
        }
        throw new Error(`no quick fix matching ${title} could be focused`);
    }

    /** Sets a string setting the way a user does: in the Settings editor, which is then closed. */
    async setUserSetting(id: string, value: string): Promise<void> {
        await this.runCommand("Preferences: Open User Settings");
        const settingsEditor = this.page.locator(".settings-editor");
        await settingsEditor.waitFor({ state: "visible", timeout: 30_000 });
        // The search box is a small editor; it has the focus when the Settings editor opens.
        await settingsEditor.locator(".settings-header .suggest-input-container .monaco-editor").first().click();
        await this.page.keyboard.press("Control+A");
        await this.page.keyboard.type(`@id:${id}`);
        // In code-server the server's machine-scoped settings (shapelens.interpreter is one) are on the Remote tab.
        const remoteTab = settingsEditor.locator(".settings-tabs-widget .action-label", { hasText: /^Remote/ }).first();
        if (await remoteTab.isVisible()) await remoteTab.click();
        const input = settingsEditor.locator(`.setting-item-contents[data-key="${id}"] input, .setting-item[data-key="${id}"] input`).first();
        await input.waitFor({ state: "visible", timeout: 30_000 }).catch(async () => {
            // older layouts: the only string input in the filtered list
            await settingsEditor.locator(".setting-item-text input").first().waitFor({ state: "visible", timeout: 10_000 });
        });
        const field = (await input.isVisible()) ? input : settingsEditor.locator(".setting-item-text input").first();
        await field.fill(value);
        await field.press("Tab"); // commit the value
        await sleep(1_000);
        await this.runCommand("View: Close Editor");
    }

    /** The text of the notification toast that matches, once one shows. */
    async waitForNotification(message: RegExp, timeoutMs = 60_000): Promise<Locator> {
        const toasts = this.page.locator(".notifications-toasts .notification-toast");
        return poll(`a notification matching ${message}`, timeoutMs, async () => {
            for (const toast of await toasts.all()) {
                if (message.test(normalise(await toast.textContent()))) return toast;
            }
            return undefined;
        });
    }

    /** Clicks a notification's button; the toasts sit above the workbench's overlays. */
    async pressNotificationButton(toast: Locator, label: string): Promise<void> {
        await toast.locator(".monaco-button", { hasText: label }).first().click({ timeout: 10_000 });
    }

    /** The text shown in the Output panel, once it matches. */
    async waitForOutput(pattern: RegExp): Promise<string> {
        const output = this.page.locator(".panel .output-view, .panel [id='workbench.panel.output']").first();
        return poll(`the Output panel to show ${pattern}`, 30_000, async () => {
            if (!(await output.isVisible())) return undefined;
            const text = normalise(await output.locator(".view-lines").first().textContent());
            return pattern.test(text) ? text : undefined;
        });
    }

    async waitForFileContent(file: string, pattern: RegExp): Promise<string> {
        return poll(`${file} to contain ${pattern}`, 30_000, async () => {
            const text = existsSync(file) ? readFileSync(file, "utf8") : "";
            return pattern.test(text) ? text : undefined;
        });
    }
}
