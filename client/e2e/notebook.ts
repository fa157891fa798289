// VS Code's built-in notebook editor (the `jupyter-notebook` type of the bundled ipynb extension;
// no Jupyter extension and no kernel): each cell is its own small Monaco editor. The status bar
// shows "Cell 4 of 5" rather than a line and column, so the cursor is placed by clicking on a
// cell's line and moving along it with the keyboard, and checked by what the editor then shows.
import { Locator, Page } from "playwright-core";

import { normalise, poll, sleep } from "./editor";

export class NotebookEditor {
    constructor(private readonly page: Page) {}

    /** The code cells' editors (the workbench nests more than one element of class notebook-editor). */
    private cells(selector: string): Locator {
        return this.page.locator(`.notebook-editor .cell-editor-container ${selector}`);
    }

    /** The rendered line of a code cell whose text contains `text`. */
    private line(text: string): Locator {
        return this.cells(".view-line").filter({ hasText: text }).first();
    }

    /** Waits until the notebook shows a code cell (it renders only the cells in view). */
    async waitForCodeCell(): Promise<void> {
        await poll("a code cell in the notebook editor", 60_000, async () =>
            (await this.cells(".view-line").count()) > 0 ? true : undefined,
        );
    }

    /** Scrolls the notebook (with the wheel, as a user does: an element's own scrollIntoView
     * shifts the notebook sideways) until the cell line containing `lineText` is in view. */
    async reveal(lineText: string): Promise<void> {
        const line = this.line(lineText);
        const viewport = this.page.viewportSize() ?? { width: 1280, height: 800 };
        for (let scrolls = 0; scrolls < 60; scrolls++) {
            const box = (await line.count()) > 0 ? await line.boundingBox() : null;
            if (box && box.y > 120 && box.y + box.height < viewport.height - 60) return;
            // the wheel over a cell scrolls the notebook's list, which renders the cells coming into view
            const cell = await this.cells(".view-lines").first().boundingBox();
            if (cell) await this.page.mouse.move(cell.x + cell.width / 2, Math.min(Math.max(cell.y + 10, 150), viewport.height - 100));
            await this.page.mouse.wheel(0, box && box.y <= 120 ? -100 : 100);
            await sleep(150);
        }
        throw new Error(`no cell line with ${JSON.stringify(lineText)} came into view in the notebook`);
    }

    async waitForSquiggles(count: number, timeoutMs: number): Promise<void> {
        const squiggles = this.cells(".squiggly-error");
        await poll(`${count} error squiggle(s) in the notebook's cells`, timeoutMs, async () => ((await squiggles.count()) === count ? true : undefined));
        if (count === 0) {
            await sleep(1_500); // and it stays that way
            if ((await squiggles.count()) !== 0) throw new Error("an error squiggle came back");
        }
    }

    /**
     * Puts the cursor in a cell's editor on the line that contains `lineText`, `offset`
     * characters into `lineText`. Home goes to the line's first non-blank character, and a
     * second Home to its start.
     */
    async placeCursor(lineText: string, offset: number): Promise<void> {
        const line = this.line(lineText);
        await this.reveal(lineText);
        // a click at the line's start: Playwright's own click scrolls the (very wide) line element
        // into view, which shifts the notebook sideways
        const box = await line.boundingBox();
        if (!box) throw new Error(`the cell line with ${JSON.stringify(lineText)} is not on screen`);
        await this.page.mouse.click(box.x + 2, box.y + box.height / 2);
        await sleep(200);
        const text = normalise(await line.textContent());
        await this.page.keyboard.press("End");
        await this.page.keyboard.press("Home");
        if (text.length > text.trimStart().length) await this.page.keyboard.press("Home");
        for (let moves = 0; moves < text.indexOf(lineText) + offset; moves++) await this.page.keyboard.press("ArrowRight");
        await sleep(200);
    }

    /** Shows the hover at a position in a cell and returns its text once it matches `pattern`
     * (the problem's part and the server's card can arrive one after the other). */
    async hoverAt(lineText: string, offset: number, pattern: RegExp, runCommand: (title: string) => Promise<void>): Promise<string> {
        const card = this.page.locator(".monaco-hover:not(.hidden) .hover-contents");
        for (let attempt = 1; ; attempt++) {
            await this.placeCursor(lineText, offset);
            await runCommand("Show or Focus Hover");
            try {
                return await poll(`a hover card in the cell matching ${pattern}`, 15_000, async () => {
                    const text = (await card.allTextContents()).map(normalise).join("\n");
                    return pattern.test(text) ? text : undefined;
                });
            } catch (error) {
                if (attempt >= 3) throw error;
            }
        }
    }

    /** The rendered text (with its inlay hints) of the cell line containing `lineText`, once it matches. */
    async waitForLineText(lineText: string, pattern: RegExp): Promise<string> {
        await this.reveal(lineText);
        return poll(`the cell line with ${JSON.stringify(lineText)} to read ${pattern}`, 60_000, async () => {
            const text = normalise(await this.line(lineText).textContent());
            return pattern.test(text) ? text : undefined;
        });
    }

    /** Opens the quick-fix menu at a position in a cell and returns the titles it offers. */
    async openQuickFixes(lineText: string, offset: number): Promise<string[]> {
        const widget = this.page.locator(".action-widget");
        for (let attempt = 1; ; attempt++) {
            // Escape leaves a cell's editor in a notebook, so the cursor is placed again each time
            await this.placeCursor(lineText, offset);
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
}
