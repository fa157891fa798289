// The few parts of the `vscode` API that the client's modules touch, with state tests can set.

export interface FakeExtension {
    id: string;
    isActive: boolean;
    exports: unknown;
    activate(): Promise<unknown>;
}

export const stubState: { extensions: Map<string, FakeExtension> } = { extensions: new Map() };

export function resetStub(): void {
    stubState.extensions.clear();
}

export const extensions = {
    getExtension(id: string): FakeExtension | undefined {
        return stubState.extensions.get(id);
    },
};

export class Uri {
    private constructor(readonly fsPath: string) {}

    static file(fsPath: string): Uri {
        return new Uri(fsPath);
    }
}

export class Disposable {
    constructor(private readonly onDispose: () => void) {}

    dispose(): void {
        this.onDispose();
    }
}

export class EventEmitter<T> {
    private listeners: ((value: T) => void)[] = [];

    event = (listener: (value: T) => void): Disposable => {
        this.listeners.push(listener);
        return new Disposable(() => {
            this.listeners = this.listeners.filter((l) => l !== listener);
        });
    };

    fire(value: T): void {
        for (const listener of this.listeners) listener(value);
    }
}

// --- notebooks, for vscode-languageclient's notebook sync feature -------------------------------

export enum NotebookCellKind {
    Markup = 1,
    Code = 2,
}

/** The workspace events the notebook sync feature listens to; tests fire them. */
export const workspaceEvents = {
    openTextDocument: new EventEmitter<unknown>(),
    changeTextDocument: new EventEmitter<unknown>(),
    closeTextDocument: new EventEmitter<unknown>(),
    openNotebook: new EventEmitter<unknown>(),
    changeNotebook: new EventEmitter<unknown>(),
    saveNotebook: new EventEmitter<unknown>(),
    closeNotebook: new EventEmitter<unknown>(),
};

export const workspace = {
    notebookDocuments: [] as unknown[],
    onDidOpenTextDocument: workspaceEvents.openTextDocument.event,
    onDidChangeTextDocument: workspaceEvents.changeTextDocument.event,
    onDidCloseTextDocument: workspaceEvents.closeTextDocument.event,
    onDidOpenNotebookDocument: workspaceEvents.openNotebook.event,
    onDidChangeNotebookDocument: workspaceEvents.changeNotebook.event,
    onDidSaveNotebookDocument: workspaceEvents.saveNotebook.event,
    onDidCloseNotebookDocument: workspaceEvents.closeNotebook.event,
};
